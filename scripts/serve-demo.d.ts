/** Serves demo/ on `host:port` (port 0 = any free one); see serve-demo.js. */
export function serveDemo(port?: number, host?: string): Promise<{ url: string; close(): Promise<void> }>;
