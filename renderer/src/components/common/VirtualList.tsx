/**
 * A windowed list: only the rows in view (plus a margin) are in the DOM, so 10,000 items render and scroll as fast as
 * 100. Rows have a fixed height. Keyboard: the list is one tab stop (a listbox); arrows, Home/End, PageUp/PageDown
 * move the active row, Enter or Space chooses it; `aria-activedescendant` tells assistive tech which row is active.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

/** Props of {@link VirtualList}. */
export interface VirtualListProps<T> {
  readonly items: readonly T[];
  readonly rowHeight: number;
  readonly label: string;
  readonly idPrefix: string;
  readonly keyOf: (item: T) => string;
  readonly renderRow: (item: T, active: boolean) => ReactNode;
  readonly selectedKey?: string;
  readonly onChoose: (item: T) => void;
  readonly overscan?: number;
}

/** Renders the visible window of `items`. */
export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight, label, idPrefix, keyOf, renderRow, selectedKey, onChoose } = props;
  const overscan = props.overscan ?? 8;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [active, setActive] = useState(0);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight || 400));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    if (active >= items.length) setActive(Math.max(0, items.length - 1));
  }, [items.length, active]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const visible = items.slice(first, last);

  const moveTo = (index: number) => {
    const i = Math.max(0, Math.min(items.length - 1, index));
    setActive(i);
    const el = ref.current;
    if (!el) return;
    const top = i * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / rowHeight) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveTo(active + 1),
      ArrowUp: () => moveTo(active - 1),
      Home: () => moveTo(0),
      End: () => moveTo(items.length - 1),
      PageDown: () => moveTo(active + page),
      PageUp: () => moveTo(active - page),
      Enter: () => items[active] !== undefined && onChoose(items[active] as T),
      ' ': () => items[active] !== undefined && onChoose(items[active] as T),
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };
  const activeItem = items[active];

  return (
    <div
      ref={ref}
      className="virtual-list"
      role="listbox"
      aria-label={label}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      aria-activedescendant={activeItem !== undefined ? `${idPrefix}-${active}` : undefined}
    >
      <div className="virtual-spacer" style={{ height: items.length * rowHeight }}>
        {visible.map((item, offset) => {
          const index = first + offset;
          const key = keyOf(item);
          return (
            <div
              key={key}
              id={`${idPrefix}-${index}`}
              role="option"
              aria-selected={key === selectedKey}
              className={index === active ? 'virtual-row active' : 'virtual-row'}
              style={{ top: index * rowHeight, height: rowHeight }}
              onClick={() => {
                setActive(index);
                onChoose(item);
              }}
            >
              {renderRow(item, index === active)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
