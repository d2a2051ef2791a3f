/** How each server status reads in the UI: text, a symbol and a tone, never colour alone. */
import type { ServerStatus } from '../../../../preload/contract.ts';

/** A status as the badge renders it. */
export interface StatusLabel {
  readonly text: string;
  readonly symbol: string;
  readonly tone: 'neutral' | 'busy' | 'good' | 'warn' | 'bad';
}

/** Maps every status to its label; the exhaustive switch makes a new status a compile error here. */
export function statusLabel(status: ServerStatus): StatusLabel {
  switch (status.state) {
    case 'disconnected':
      return { text: 'Not connected', symbol: '○', tone: 'neutral' };
    case 'connecting':
      return { text: 'Connecting…', symbol: '◌', tone: 'busy' };
    case 'needs-sign-in':
      return { text: 'Sign-in needed', symbol: '⚿', tone: 'warn' };
    case 'signing-in':
      return { text: 'Signing in…', symbol: '◌', tone: 'busy' };
    case 'connected':
      return { text: 'Connected', symbol: '●', tone: 'good' };
    case 'refreshing':
      return { text: 'Refreshing…', symbol: '◌', tone: 'busy' };
    case 'step-up-needed':
      return { text: 'More access needed', symbol: '▲', tone: 'warn' };
    case 'error':
      return { text: 'Error', symbol: '✕', tone: 'bad' };
  }
}
