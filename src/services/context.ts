/** What every service call receives: who is asking. Services never see an HTTP request. */
export interface RequestContext {
  /** The caller's organization; every store call is scoped to it. */
  org: string;
}
