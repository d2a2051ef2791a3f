/**
 * The one place a raw token appears, only after the user pressed Reveal for that token. It takes focus and hides the
 * value again as soon as focus leaves it, or when the user presses Hide or Escape.
 */
import { useEffect, useRef } from 'react';
import type { TokenView } from '../../../../preload/contract.ts';
import { useKeyport } from '../../store/index.ts';

/** Shows the revealed value of this token, if it is the revealed one. */
export function RevealBox({ serverId, kind }: { readonly serverId: string; readonly kind: TokenView['kind'] }) {
  const value = useKeyport((s) => (s.revealed?.serverId === serverId && s.revealed.kind === kind ? s.revealed.value : undefined));
  const hide = useKeyport((s) => s.hideToken);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (value !== undefined) ref.current?.focus();
  }, [value]);
  if (value === undefined) return null;
  return (
    <div
      ref={ref}
      className="reveal-box"
      tabIndex={0}
      role="group"
      aria-label="Revealed token value (hidden when you move away)"
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) hide();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') hide();
      }}
    >
      <p className="warning">Anyone who sees this value can act as you. It is hidden again when you move away.</p>
      <code className="selectable token-value">{value}</code>
      <button type="button" onClick={hide}>
        Hide
      </button>
    </div>
  );
}
