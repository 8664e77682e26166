/**
 * A small typed event emitter. Callback maps are typed per event, so a
 * listener gets exactly the arguments its event carries. One failing
 * listener never stops the others.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => void;

/** Emits the events of a callback map M (event name → listener signature). */
export class TypedEmitter<M extends { [K in keyof M]: AnyFn }> {
  private readonly listeners = new Map<keyof M, Set<AnyFn>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof M>(event: K, fn: M[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn);
    return () => this.off(event, fn);
  }

  /** Adds a listener called at most once. */
  once<K extends keyof M>(event: K, fn: M[K]): () => void {
    const wrapper = ((...args: Parameters<M[K]>) => {
      off();
      fn(...args);
    }) as M[K];
    const off = this.on(event, wrapper);
    return off;
  }

  /** Removes a listener. */
  off<K extends keyof M>(event: K, fn: M[K]): void {
    this.listeners.get(event)?.delete(fn);
  }

  /** Removes every listener. */
  removeAllListeners(): void {
    this.listeners.clear();
  }

  /** Calls each listener of event with args. */
  protected emit<K extends keyof M>(event: K, ...args: Parameters<M[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        // A broken listener is the app's bug; the SDK keeps going.
        console.error(`earshot: listener of ${String(event)} threw`, err);
      }
    }
  }
}
