// Package configedit edits the MCP server entries of $CODEX_HOME/config.toml
// in place, for `codex mcp add` and `codex mcp remove`, and reads them back
// for `codex mcp list` and `codex mcp get`.
//
// Editing works on the text, line by line, with a small scanner that knows
// enough TOML to find where each statement begins and ends and what its key
// is: table and array-of-tables headers (quoted keys such as
// [mcp_servers."my.server"] included), key/value pairs whose values span
// several lines (multi-line strings, arrays and inline tables, whose lines
// may look like headers), and comments. Only the definitions of the server
// being edited are touched:
//
//   - its tables, [mcp_servers.NAME] and any [mcp_servers.NAME.*] or
//     [[mcp_servers.NAME.*]] below it, each with the comment lines that
//     directly follow its last key (unless they directly precede the next
//     header, to which they then belong); a removed table also takes the
//     blank lines after it;
//   - key/value pairs defining it elsewhere: `NAME = { ... }` or
//     `NAME.key = ...` under [mcp_servers], `mcp_servers.NAME.key = ...` at
//     the top level.
//
// Everything else (other keys and tables, other servers, comments, blank
// lines, line endings) is kept byte for byte. A new definition is written
// as a [mcp_servers.NAME] table, followed by [mcp_servers.NAME.env] when it
// has environment variables, in place of the first table of the old one, or
// else at the end of the file after a blank line. The edited text is parsed
// again before it is used: it must be valid TOML, define the server exactly
// as requested (or not at all after a removal), and hold the same values as
// before everywhere else; otherwise nothing is written. Files are replaced
// atomically through a temporary file in the same directory and keep their
// permission bits; a new file is created with mode 0600.
//
// Formatting that is not preserved:
//   - comments and blank lines inside the rewritten tables of the server, and
//     the formatting of its values (quoting, spacing, key order), are
//     replaced by the canonical form; settings the new definition does not
//     carry (timeouts of a replaced server, unknown keys) are dropped;
//   - a server defined by an inline table or dotted keys under [mcp_servers]
//     or at the top level is converted to a standard table written at the
//     end of the file;
//   - comments directly above a removed table's header stay where they are,
//     so they end up above whatever follows;
//   - blank lines a removal leaves at the very end of the file are trimmed
//     to as many as the file ended with before.
//
// A whole mcp_servers table written as one inline table
// (`mcp_servers = { ... }`) cannot be edited this way and is reported as an
// error.
package configedit
