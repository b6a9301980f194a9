/** What a context is, so the dispatcher can route callbacks without runtime type checks. */
export enum ContextKind {
  Root = 0,
  Http = 1,
  Tcp = 2,
}

/** Every context has the id the host gave it. */
export class BaseContext {
  /** The next context in the same slot of the context table (context-table.ts). */
  nextInSlot: BaseContext | null = null;

  constructor(readonly id: u32, readonly kind: ContextKind) {}
}
