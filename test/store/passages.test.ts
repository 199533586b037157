/**
 * The storage conformance suite, passages (archival memory): run unchanged on a real SQLite file
 * (sqlite-vec, FTS5) and a real PostgreSQL database (pgvector, tsvector). Insert, get, lists with
 * substring search and cursors, nearest-neighbour and keyword search with tag and date filters,
 * re-embedding, delete, and organization scoping.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import type { Store } from '../../src/store/index.js';
import { DIALECTS } from '../support/databases.js';
import { archiveRecord, ids, passageRecord, storeFixture } from '../support/store-fixture.js';

const DIM = 4;

describe.each(DIALECTS)('store: passages (%s)', (dialect) => {
  const { store, newOrg } = storeFixture(dialect);

  /** An organization with one archive holding `texts` (embedded with `vectors` when given). */
  async function seed(texts: string[], vectors: (number[] | null)[] = [], tags: string[][] = []) {
    const org = await newOrg();
    const archive = archiveRecord(org);
    await store.archives.insert(archive);
    const passages = texts.map((text, i) =>
      passageRecord(org, archive.id, { text, vector: vectors[i] ?? null, tags: tags[i] ?? [] }),
    );
    if (passages.some((p) => p.vector)) await store.passages.ensureDimension(DIM);
    await store.transaction((tx) => tx.passages.insert(passages));
    return { org, archive, passages };
  }

  it('has vector search (pgvector / sqlite-vec: CI installs both)', async () => {
    expect(await store.passages.vectorAvailable()).toBe(true);
  });

  it('inserts and gets passages with tags and metadata, and counts them per archive', async () => {
    const { org, archive, passages } = await seed(['first', 'second'], [[1, 0, 0, 0], null], [['a', 'b']]);
    const [withVector, plain] = passages;
    const { vector: _v, ...stored } = withVector!;
    expect(await store.passages.get(org, [archive.id], withVector!.id)).toEqual(stored);
    expect(await store.passages.get(org, [archive.id], plain!.id)).toMatchObject({
      text: 'second',
      tags: [],
      embedding_model: null,
      embedding_dim: null,
    });
    expect(await store.passages.get(org, [], plain!.id)).toBeUndefined();
    expect(await store.passages.get(org, [archive.id], newId('passage'))).toBeUndefined();
    expect(ids(await store.passages.getMany(org, [plain!.id, newId('passage'), withVector!.id]))).toEqual([
      plain!.id,
      withVector!.id,
    ]);
    expect(await store.passages.count(org, archive.id)).toBe(2);
  });

  it('lists with a case-insensitive substring search and after/before cursors in both orders', async () => {
    const texts = ['Apple pie', 'banana bread', 'APPLE crumble', 'cherry tart', 'apple juice'];
    const { org, archive, passages } = await seed(texts);
    const all = ids(passages);
    const list = (q: Parameters<Store['passages']['list']>[2]) =>
      store.passages.list(org, [archive.id], q).then(ids);
    expect(await list({ limit: 10 })).toEqual(all);
    expect(await list({ limit: 10, order: 'desc' })).toEqual([...all].reverse());
    expect(await list({ limit: 10, search: 'apple' })).toEqual([all[0], all[2], all[4]]);
    expect(await list({ limit: 10, search: 'E CRUM' })).toEqual([all[2]]);
    expect(await list({ limit: 10, search: '%' })).toEqual([]);
    expect(await list({ limit: 2 })).toEqual(all.slice(0, 2));
    expect(await list({ limit: 2, after: all[1] })).toEqual(all.slice(2, 4));
    expect(await list({ limit: 2, after: all[3] })).toEqual([all[4]]);
    expect(await list({ limit: 2, after: all[4] })).toEqual([]);
    expect(await list({ limit: 2, before: all[4] })).toEqual([all[2], all[3]]);
    expect(await list({ limit: 10, order: 'desc', after: all[2] })).toEqual([all[1], all[0]]);
    expect(await list({ limit: 10, search: 'apple', after: all[0] })).toEqual([all[2], all[4]]);
    expect(await list({ limit: 10, after: newId('passage') })).toEqual([]);
    const batches: string[] = [];
    for (let after: string | undefined; ; ) {
      const batch = await store.passages.listForReembed(org, archive.id, after, 2);
      if (batch.length === 0) break;
      batches.push(...ids(batch));
      after = batch.at(-1)?.id;
    }
    expect(batches).toEqual(all);
  });

  it('finds the nearest passages by cosine distance, closest first', async () => {
    const { org, archive, passages } = await seed(
      ['north', 'north by east', 'east', 'up', 'not embedded'],
      [[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], null],
    );
    const [north, northEast, east] = ids(passages);
    const found = await store.passages.nearest(org, [archive.id], [1, 0, 0, 0], {}, 2);
    expect(ids(found)).toEqual([north, northEast]);
    expect(found[0]!.score).toBeCloseTo(0, 5);
    expect(found[1]!.score).toBeGreaterThan(found[0]!.score);
    expect(ids(await store.passages.nearest(org, [archive.id], [0, 1, 0, 0], {}, 1))).toEqual([east]);
    expect(await store.passages.nearest(org, [archive.id], [1, 0, 0, 0], {}, 10)).toHaveLength(4);
    expect(await store.passages.nearest(org, [], [1, 0, 0, 0], {}, 10)).toEqual([]);
  });

  it('finds keyword matches (any word), best first', async () => {
    const { org, archive, passages } = await seed([
      'the apple orchard at harvest',
      'a banana bread recipe',
      'an apple pie recipe with apple slices',
    ]);
    const [orchard, bread, pie] = ids(passages);
    const keyword = (q: string) => store.passages.keyword(org, [archive.id], q, {}, 10).then(ids);
    expect((await keyword('apple')).sort()).toEqual([orchard, pie].sort());
    expect((await keyword('RECIPE')).sort()).toEqual([bread, pie].sort());
    expect((await keyword('banana harvest')).sort()).toEqual([orchard, bread].sort());
    expect(await keyword('zebra')).toEqual([]);
    expect(await keyword('!!!')).toEqual([]);
    const scored = await store.passages.keyword(org, [archive.id], 'apple', {}, 10);
    expect(scored.every((s) => Number.isFinite(s.score))).toBe(true);
  });

  it('filters both searches by tags (any / all) and by date', async () => {
    const { org, archive, passages } = await seed(
      ['red apple', 'green apple', 'plain apple'],
      [
        [1, 0, 0, 0],
        [1, 0.1, 0, 0],
        [1, 0.2, 0, 0],
      ],
      [['fruit', 'red'], ['fruit'], []],
    );
    const [red, green, plain] = ids(passages);
    const both = async (filter: Parameters<Store['passages']['keyword']>[3]) => {
      const near = ids(await store.passages.nearest(org, [archive.id], [1, 0, 0, 0], filter, 10)).sort();
      const words = ids(await store.passages.keyword(org, [archive.id], 'apple', filter, 10)).sort();
      expect(near).toEqual(words);
      return near;
    };
    expect(await both({})).toEqual([red, green, plain].sort());
    expect(await both({ tags: ['fruit'] })).toEqual([red, green].sort());
    expect(await both({ tags: ['red', 'nope'] })).toEqual([red]);
    expect(await both({ tags: ['fruit', 'red'], tagMatchMode: 'all' })).toEqual([red]);
    expect(await both({ tags: ['fruit', 'fruit'], tagMatchMode: 'all' })).toEqual([red, green].sort());
    expect(await both({ tags: ['Fruit'] })).toEqual([]);
    const [p0, p1, p2] = passages;
    expect(await both({ start: p1!.created_at })).toEqual([green, plain].sort());
    expect(await both({ end: p1!.created_at })).toEqual([red, green].sort());
    expect(await both({ start: p1!.created_at, end: p1!.created_at, tags: ['fruit'] })).toEqual([green]);
    expect(p0!.created_at < p2!.created_at).toBe(true);
  });

  it('replaces vectors (re-embedding), also into another dimension', async () => {
    const { org, archive, passages } = await seed(
      ['a', 'b'],
      [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
      ],
    );
    const [a, b] = passages;
    await store.passages.ensureDimension(3);
    await store.passages.replaceVectors([
      { id: a!.id, archive_id: archive.id, old_dim: DIM, dim: 3, vector: [0, 0, 1], model: 'test/other' },
    ]);
    expect(await store.passages.get(org, [archive.id], a!.id)).toMatchObject({
      embedding_dim: 3,
      embedding_model: 'test/other',
    });
    expect(ids(await store.passages.nearest(org, [archive.id], [0, 0, 1], {}, 10))).toEqual([a!.id]);
    expect(ids(await store.passages.nearest(org, [archive.id], [1, 0, 0, 0], {}, 10))).toEqual([b!.id]);
  });

  it('deletes a passage from the table and from both search indexes', async () => {
    const { org, archive, passages } = await seed(
      ['keep this melon', 'drop this melon'],
      [
        [1, 0, 0, 0],
        [1, 0.1, 0, 0],
      ],
    );
    const [keep, drop] = passages;
    expect(await store.passages.delete(org, [archive.id], drop!.id)).toBe(true);
    expect(await store.passages.delete(org, [archive.id], drop!.id)).toBe(false);
    expect(await store.passages.delete(org, [], keep!.id)).toBe(false);
    expect(await store.passages.get(org, [archive.id], drop!.id)).toBeUndefined();
    expect(ids(await store.passages.list(org, [archive.id], { limit: 10 }))).toEqual([keep!.id]);
    expect(ids(await store.passages.nearest(org, [archive.id], [1, 0, 0, 0], {}, 10))).toEqual([keep!.id]);
    expect(ids(await store.passages.keyword(org, [archive.id], 'melon', {}, 10))).toEqual([keep!.id]);
    expect(await store.passages.count(org, archive.id)).toBe(1);
  });

  it('keeps searches to the archives asked for', async () => {
    const org = await newOrg();
    const [one, two] = [archiveRecord(org), archiveRecord(org)];
    for (const a of [one, two]) await store.archives.insert(a);
    const p1 = passageRecord(org, one.id, { text: 'kiwi one', vector: [1, 0, 0, 0] });
    const p2 = passageRecord(org, two.id, { text: 'kiwi two', vector: [1, 0, 0, 0] });
    await store.passages.ensureDimension(DIM);
    await store.passages.insert([p1, p2]);
    expect(ids(await store.passages.nearest(org, [one.id], [1, 0, 0, 0], {}, 10))).toEqual([p1.id]);
    expect(ids(await store.passages.keyword(org, [two.id], 'kiwi', {}, 10))).toEqual([p2.id]);
    expect(ids(await store.passages.list(org, [one.id, two.id], { limit: 10 }))).toEqual([p1.id, p2.id]);
    expect(await store.passages.get(org, [two.id], p1.id)).toBeUndefined();
    expect(await store.passages.delete(org, [two.id], p1.id)).toBe(false);
  });

  it("never shows or changes one organization's passages to a call made with another", async () => {
    const { org: a, archive, passages } = await seed(['secret grape'], [[1, 0, 0, 0]]);
    const passage = passages[0]!;
    const { org: b, archive: archiveB, passages: own } = await seed(['own grape'], [[1, 0, 0, 0]]);
    expect(await store.passages.get(b, [archive.id], passage.id)).toBeUndefined();
    expect(await store.passages.getMany(b, [passage.id])).toEqual([]);
    expect(await store.passages.list(b, [archive.id], { limit: 10 })).toEqual([]);
    expect(await store.passages.count(b, archive.id)).toBe(0);
    expect(await store.passages.nearest(b, [archive.id], [1, 0, 0, 0], {}, 10)).toEqual([]);
    expect(await store.passages.keyword(b, [archive.id], 'grape', {}, 10)).toEqual([]);
    // A's passage as B's cursor is an unknown id (an empty page), in both directions.
    expect(await store.passages.list(b, [archiveB.id], { limit: 10, after: passage.id })).toEqual([]);
    expect(await store.passages.list(b, [archiveB.id], { limit: 10, before: passage.id })).toEqual([]);
    expect(ids(await store.passages.list(b, [archiveB.id], { limit: 10 }))).toEqual(ids(own));
    expect(await store.passages.delete(b, [archive.id], passage.id)).toBe(false);
    await store.passages.replaceVectors([]);
    expect(await store.passages.get(a, [archive.id], passage.id)).toMatchObject({ text: 'secret grape' });
    expect(ids(await store.passages.nearest(a, [archive.id], [1, 0, 0, 0], {}, 10))).toEqual([passage.id]);
  });
});
