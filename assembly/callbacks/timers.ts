// The timer callback.
import { onTick } from "../dispatcher";

export function proxy_on_tick(rootContextId: u32): void {
  onTick(rootContextId);
}
