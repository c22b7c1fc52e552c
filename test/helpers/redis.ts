import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./ports.js";

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${output}`)),
      10_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}):\n${output}`));
    });
  });
}

/** A real, throwaway redis-server on a free loopback port, without persistence. */
export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const auth = options.password === undefined ? [] : ["--requirepass", options.password];
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      process.env["REDIS_SERVER"] ?? "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...auth],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      await waitReady(child);
    } catch (error) {
      child.kill("SIGKILL");
      if (attempt < 3) continue; // the port was taken in between: try another
      throw error;
    }
    return {
      url:
        options.password === undefined
          ? `redis://127.0.0.1:${port}`
          : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
      port,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    };
  }
}
