/**
 * The worker side of the fetch bridge (inlined into both worker sources). A guest's request goes
 * to the host as a message; the worker blocks on a SharedArrayBuffer until the host has written
 * the answer (the host checks the destination, fetches with the call's deadline, caps the size).
 * Without a buffer (`LETTA_TOOL_ALLOWED_HOSTS` unset) every request is refused here, and nothing
 * is sent. The references it needs are captured when the worker starts, before the realm is
 * hardened, so guest code cannot swap them.
 *
 * Buffer layout: Int32 [0] state (0 waiting, 1 answered), Int32 [1] answer length, bytes from 8.
 */
export const BRIDGE_SOURCE = `
const letta_bridge = (() => {
  const sab = workerData.bridge;
  const post = parentPort.postMessage.bind(parentPort);
  const { wait, store } = Atomics;
  const decoder = new TextDecoder();
  const disabled = JSON.stringify({ error: 'network access is disabled in the tool sandbox (the operator allows hosts with LETTA_TOOL_ALLOWED_HOSTS)' });
  if (!sab) return () => disabled;
  const flag = new Int32Array(sab, 0, 2);
  const bytes = new Uint8Array(sab, 8);
  return (request) => {
    store(flag, 0, 0);
    post({ bridge: String(request) });
    wait(flag, 0, 0);
    return decoder.decode(bytes.slice(0, flag[1]));
  };
})();
`;
