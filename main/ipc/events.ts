/**
 * Typed push events from main to the window. Services get an `Emit` function and never see `webContents`, so the
 * same services run in the app (where `register.ts` sends through Electron) and in tests (where the harness forwards
 * events into the Chromium page).
 */
import type { EventChannel, EventPayloads } from '../../preload/contract.ts';

/** Sends one event to the window; a no-op when no window is open. */
export type Emit = <C extends EventChannel>(channel: C, payload: EventPayloads[C]) => void;

/** An `Emit` that fans out to several sinks (the window and, in tests, a recorder). */
export function fanOut(...sinks: readonly Emit[]): Emit {
  return (channel, payload) => {
    for (const sink of sinks) sink(channel, payload);
  };
}
