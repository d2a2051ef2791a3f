/**
 * The private key a pre-registered client signs its `private_key_jwt` assertions with: pasted, or loaded from a file
 * with the File API (read here, in the page; nothing else is touched). It goes to main once, on Save, and main keeps
 * it in the OS keychain; the dialog never gets it back, only whether one is stored.
 */
import { useId, useState, type ChangeEvent } from 'react';

/** Props of {@link PrivateKeyField}. */
export interface PrivateKeyFieldProps {
  readonly value: string;
  readonly change: (privateKey: string) => void;
  /** The field's problem, once it is shown. */
  readonly problem: string | undefined;
  /** Whether main already holds a key for this server (then leaving the field empty keeps it). */
  readonly stored: boolean;
}

/** No key file is anywhere near this; a larger file is something else, and is not read. */
const MAX_FILE_BYTES = 64 * 1024;

/** The field, its hint and "Load from file…". */
export function PrivateKeyField({ value, change, problem, stored }: PrivateKeyFieldProps) {
  const id = useId();
  const [fileProblem, setFileProblem] = useState<string | undefined>();

  async function load(event: ChangeEvent<HTMLInputElement>) {
    const input = event.currentTarget;
    const file = input.files?.[0];
    // Cleared, so that choosing the same file again (after editing the text) loads it again.
    input.value = '';
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      setFileProblem(`${file.name} is too large to be a private key.`);
      return;
    }
    try {
      change(await file.text());
      setFileProblem(undefined);
    } catch {
      setFileProblem(`Could not read ${file.name}.`);
    }
  }

  const shownProblem = problem ?? fileProblem;
  return (
    <div>
      <label>
        {stored ? 'Private key (stored in the keychain; leave empty to keep it)' : 'Private key'}
        <textarea
          value={value}
          rows={6}
          placeholder="-----BEGIN PRIVATE KEY-----"
          onChange={(e) => {
            setFileProblem(undefined);
            change(e.target.value);
          }}
          aria-invalid={problem !== undefined}
          aria-describedby={shownProblem ? `${id}-hint ${id}-problem` : `${id}-hint`}
          autoComplete="off"
          spellCheck={false}
        />
      </label>
      <p id={`${id}-hint`} className="hint">
        PEM or JWK; stored in the OS keychain.
      </p>
      {shownProblem && (
        <p id={`${id}-problem`} className="field-problem" role="alert">
          {shownProblem}
        </p>
      )}
      <label className="inline">
        Load from file…
        <input type="file" accept=".pem,.key,.json,.jwk" onChange={(e) => void load(e)} />
      </label>
    </div>
  );
}
