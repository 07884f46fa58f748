/** Resolves true when `promise` settles (either way) within `ms`, false when the wait ran out. */
export function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settled = () => {
      clearTimeout(timer);
      resolve(true);
    };
    void promise.then(settled, settled);
  });
}
