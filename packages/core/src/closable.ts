// `[Symbol.asyncDispose]` must type-check in the packages' declarations, and
// for users, under lib ES2023, which predates explicit resource management.
// Declared once, here, as @types/node declares it; every package that has a
// `close()` implements `Closable`, so this file is in every such program.
declare global {
  interface SymbolConstructor {
    readonly asyncDispose: unique symbol;
  }
}

/**
 * What every palisade instance that holds resources implements: `close()`
 * lets go of them and settles when it has; calling it again returns the same
 * promise. `await using` calls it through `Symbol.asyncDispose`.
 */
export interface Closable {
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
