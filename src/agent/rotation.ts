import type { AgentState } from "./state.js";

/** Runs the scheduled rotation when it is time; true when something was rotated or retired. */
export async function rotateIfDue(state: AgentState): Promise<boolean> {
  const rotation = state.options.rotation;
  if (rotation === undefined || Date.now() - state.rotatedAt < rotation.intervalMs) return false;
  state.rotatedAt = Date.now();
  let acted = false;
  try {
    for (const result of await rotation.run()) {
      acted ||= result.action !== "failed";
      state.log({
        level: result.action === "failed" ? "warn" : "info",
        event: result.action === "failed" ? "rotation-failed" : result.action,
        message: `${result.name}: ${result.detail}`,
      });
    }
  } catch (error) {
    state.log({
      level: "warn",
      event: "rotation-failed",
      message: `${(error as { code?: string }).code ?? "error"}: ${(error as Error).message}`,
    });
  }
  return acted;
}
