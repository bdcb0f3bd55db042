// Model output is untrusted text: shown in a terminal, a CI log, a report or an XML file, its
// control characters (terminal escape sequences, NUL, ...) are made visible and inert.

/** C0 and C1 control characters but tab, newline and carriage return. */
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

const hex = (character: string) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** Control characters (terminal escapes, NUL) as `\xNN`. */
export function visibleControls(text: string): string {
  return text.replace(CONTROLS, hex);
}

/** Control characters removed, where `\xNN` would only be noise (chart labels). */
export function withoutControls(text: string): string {
  return text.replace(CONTROLS, '');
}

/**
 * For a terminal or a CI log: visibleControls, and also a carriage return that does not end a
 * line (it lets text overwrite the line it is on) and the bidirectional overrides (they
 * reorder what is shown), as `\xNN` and `\u{NNNN}`.
 */
export function terminalText(text: string): string {
  return visibleControls(text)
    .replace(/\r(?!\n)/g, hex)
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, (character) => `\\u{${character.charCodeAt(0).toString(16)}}`);
}
