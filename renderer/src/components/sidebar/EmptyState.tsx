/** What the sidebar says before any server is configured: what to do, including trying the local demo server. */

/** The demo server's address when `npm run demo` runs with its default ports. */
export const demoServerUrl = 'http://127.0.0.1:9001/mcp';

/** The empty state; `onAddDemo` opens the add dialog with the demo URL filled in. */
export function EmptyState({ onAddDemo }: { readonly onAddDemo: (url: string) => void }) {
  return (
    <div className="empty-hint">
      <p>
        <strong>No servers yet.</strong> Choose <strong>Add server</strong> and paste the URL of an MCP server, or{' '}
        <strong>Import…</strong> the servers you already use in Claude, VS Code or Cursor.
      </p>
      <p>
        To try Keyport without an account anywhere, run <code>npm run demo</code> in a terminal: it starts a local
        authorization server and a protected MCP server at <code className="selectable">{demoServerUrl}</code> (sign in
        as <code>alice</code> / <code>password123</code>).
      </p>
      <button type="button" onClick={() => onAddDemo(demoServerUrl)}>
        Add the demo server
      </button>
    </div>
  );
}
