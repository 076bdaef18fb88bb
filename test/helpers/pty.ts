import { spawn } from "node:child_process";
import { cleanEnv } from "./cli.js";

/**
 * Runs `argv` on a real pseudo-terminal (Python's pty module, on every
 * machine that runs the suite), types `keys` once the output contains
 * `after`, and collects what the terminal showed. What a person at a
 * terminal does, without a terminal emulator.
 */
export function onTerminal(
  argv: readonly string[],
  options: { cwd: string; env?: Record<string, string>; after: string; keys: string },
): Promise<{ code: number; output: string }> {
  const script = `
import os, pty, select, sys, time
after, keys = sys.argv[1].encode(), sys.argv[2].encode("latin-1")
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[3], sys.argv[3:])
out, sent, deadline = b"", False, time.time() + 30
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.05)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and after in out:
        time.sleep(0.2)
        os.write(fd, keys)
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status) & 255)
`;
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", script, options.after, options.keys, ...argv], {
      cwd: options.cwd,
      env: cleanEnv(options.cwd, options.env),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}
