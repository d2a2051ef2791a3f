/**
 * The device sign-in (RFC 8628) as the window shows it: the user code large and copyable, the verification address
 * (opened in the system browser on request), `verification_uri_complete` as a QR code drawn here from the address
 * itself (no network), and a countdown to the code's expiry. The user code is meant to be read and typed by the user;
 * the device code Keyport polls with never reaches the window.
 */
import { useMemo } from 'react';
import type { DeviceCodeView } from '../../../../preload/contract.ts';
import { copyPlainText } from '../../lib/clipboard.ts';
import { encodeQr } from '../../lib/qr.ts';
import { useNow } from '../../lib/use-now.ts';
import { useKeyport } from '../../store/index.ts';

/** "9:41" for the countdown. */
function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The QR code of an address as one SVG path (dark modules on a light square, whatever the theme). */
function QrImage({ text }: { readonly text: string }) {
  const code = useMemo(() => encodeQr(text), [text]);
  if (!code) return <p className="muted">This address is too long for a QR code; type it instead.</p>;
  let d = '';
  code.modules.forEach((row, r) => row.forEach((dark, c) => (d += dark ? `M${c} ${r}h1v1h-1z` : '')));
  const quiet = 4;
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label="QR code of the sign-in address with the code filled in"
      data-testid="device-qr"
      viewBox={`${-quiet} ${-quiet} ${code.size + quiet * 2} ${code.size + quiet * 2}`}
      shapeRendering="crispEdges"
    >
      <rect x={-quiet} y={-quiet} width={code.size + quiet * 2} height={code.size + quiet * 2} fill="#ffffff" />
      <path d={d} fill="#000000" />
    </svg>
  );
}

/** The panel for one server's device sign-in. */
export function DeviceCodePanel({ serverId, device }: { readonly serverId: string; readonly device: DeviceCodeView }) {
  const cancel = useKeyport((s) => s.cancelSignIn);
  const openLink = useKeyport((s) => s.openLink);
  const notify = useKeyport((s) => s.notify);
  const now = useNow();
  const left = device.expiresAt - now;
  const host = (() => {
    try {
      return new URL(device.verificationUri).host;
    } catch {
      return device.verificationUri;
    }
  })();

  return (
    <div className="banner banner-busy device-panel" role="status" aria-label="Sign-in">
      <div className="device-text">
        <p>
          <strong>Sign in on any device.</strong> Open <span className="selectable" data-testid="device-uri">{device.verificationUri}</span>{' '}
          and enter this code:
        </p>
        <p className="user-code selectable" data-testid="user-code" aria-label="Code to enter">
          {device.userCode}
        </p>
        <div className="actions">
          <button
            type="button"
            className="primary"
            onClick={() =>
              void copyPlainText(device.userCode).then((ok) =>
                notify(ok ? 'Code copied. Paste it on the sign-in page.' : 'Copying is not available; type the code instead.', ok ? 'good' : 'bad'),
              )
            }
          >
            Copy code
          </button>
          <button type="button" onClick={() => void openLink(device.verificationUriComplete ?? device.verificationUri)}>
            Open {host} here
          </button>
          <button type="button" onClick={() => void cancel(serverId)}>
            Cancel
          </button>
        </div>
        <p className="muted" data-testid="device-countdown">
          {left > 0 ? `The code expires in ${clock(left)}. Keyport checks every ${device.interval} s.` : 'The code has expired. Cancel and sign in again.'}
        </p>
      </div>
      {device.verificationUriComplete !== undefined && (
        <figure className="device-qr">
          <QrImage text={device.verificationUriComplete} />
          <figcaption className="muted">Scan with a phone: the page opens with the code filled in.</figcaption>
        </figure>
      )}
    </div>
  );
}
