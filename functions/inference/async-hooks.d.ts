// The slice of node:async_hooks the Worker uses (workerd implements it under nodejs_compat); the
// Worker's tsconfig carries workers-types only, not @types/node.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
