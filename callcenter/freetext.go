package callcenter

import "strings"

// hasNUL reports whether free text (a chat message, a help reason or
// comment) holds a NUL character. Such text is refused: PostgreSQL cannot
// store it in a text column, so a single stored NUL would fail every group
// commit of the audit writer it was merged into, and with them the audited
// actions of everyone else. Every other control character is kept verbatim.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }
