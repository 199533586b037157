/** What every service and runtime call receives: who is asking. Nothing below HTTP sees a request. */
export interface RequestContext {
  /** The caller's organization; every store call is scoped to it. */
  org: string;
}
