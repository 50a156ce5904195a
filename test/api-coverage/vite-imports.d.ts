/**
 * Types for the two Vite features the client-surface tests use inside workerd: `?raw` imports (file
 * text as a string) and `import.meta.glob` (many files at once). vite/client declares them too, but it
 * is not part of this project's test types.
 */
declare module "*?raw" {
  const text: string;
  export default text;
}

interface ImportMeta {
  glob<T = unknown>(pattern: string | string[], options: { query?: string; import?: string; eager: true }): Record<string, T>;
}
