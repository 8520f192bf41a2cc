package sandbox

import (
	"fmt"
	"strings"

	"github.com/codex-go/codex/protocol"
)

// seatbeltFullAccess is the profile for danger-full-access: no restriction.
const seatbeltFullAccess = "(version 1)\n(allow default)\n"

// seatbeltBase is the part of every restricting profile: deny by default,
// then what any command needs regardless of the policy.
const seatbeltBase = `(version 1)

; Anything not allowed below is refused.
(deny default)

; Starting programs, and signalling or inspecting the ones started here.
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))

; Every file may be read.
(allow file-read*)

; Character devices that ordinary programs write to or query.
(allow file-write-data file-ioctl
  (literal "/dev/null")
  (literal "/dev/zero")
  (literal "/dev/tty")
  (literal "/dev/dtracehelper"))

; Pseudo terminals.
(allow pseudo-tty)
(allow file-read* file-write* file-ioctl
  (literal "/dev/ptmx")
  (regex #"^/dev/ttys[0-9]+$"))

; System information and services looked up by common tools
; (user and group lookups, logging, notifications, preferences).
(allow sysctl-read)
(allow user-preference-read)
(allow ipc-posix-sem)
(allow ipc-posix-shm-read* (ipc-posix-name "apple.shm.notification_center"))
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.system.logger")
  (global-name "com.apple.logd")
  (global-name "com.apple.system.notification_center")
  (global-name "com.apple.PowerManagement.control"))

; Unix domain sockets are local and stay usable without network access.
(allow system-socket (socket-domain AF_UNIX))
(allow network-bind (local unix-socket))
(allow network-outbound (remote unix-socket))
`

// seatbeltNetwork is appended when the policy allows the network.
const seatbeltNetwork = `
; Network access.
(allow network-outbound)
(allow network-inbound)
(allow network-bind)
(allow system-socket)
(allow mach-lookup
  (global-name "com.apple.dnssd.service")
  (global-name "com.apple.SystemConfiguration.configd")
  (global-name "com.apple.SystemConfiguration.DNSConfiguration")
  (global-name "com.apple.trustd.agent")
  (global-name "com.apple.networkd"))
`

// SeatbeltProfile generates the macOS Seatbelt (SBPL) profile text for policy
// p evaluated for cwd, and the parameters it refers to as "KEY=VALUE" strings
// (to be passed to sandbox-exec with -D). getenv looks up TMPDIR.
//
// Writable roots are the parameters WRITABLE_ROOT_<i>; their read-only
// subpaths are WRITABLE_ROOT_<i>_RO_<j> and are excluded with require-not;
// the read-only paths of prot are excluded the same way from every root.
// (prot.Hidden is not expressed: files stay readable on macOS.) Paths never
// appear in the profile text itself, so they need no quoting.
func SeatbeltProfile(p protocol.SandboxPolicy, cwd string, getenv func(string) string, prot Protection) (profile string, params []string) {
	if p.Mode == protocol.SandboxDangerFullAccess {
		return seatbeltFullAccess, nil
	}
	var b strings.Builder
	b.WriteString(seatbeltBase)

	roots := WritableRoots(p, cwd, getenv)
	var protected []string
	for _, path := range prot.ReadOnly {
		if resolved, ok := resolveExisting(path); ok {
			protected = append(protected, resolved)
		}
	}
	for i := range roots {
		roots[i].ReadOnlySubpaths = append(roots[i].ReadOnlySubpaths, protected...)
	}
	if len(roots) > 0 {
		b.WriteString("\n; Writes below the writable roots, except their read-only subpaths.\n(allow file-write*")
		for i, r := range roots {
			key := fmt.Sprintf("WRITABLE_ROOT_%d", i)
			params = append(params, key+"="+r.Root)
			if len(r.ReadOnlySubpaths) == 0 {
				fmt.Fprintf(&b, "\n  (subpath (param %q))", key)
				continue
			}
			fmt.Fprintf(&b, "\n  (require-all (subpath (param %q))", key)
			for j, sub := range r.ReadOnlySubpaths {
				subKey := fmt.Sprintf("%s_RO_%d", key, j)
				params = append(params, subKey+"="+sub)
				fmt.Fprintf(&b, " (require-not (subpath (param %q)))", subKey)
			}
			b.WriteString(")")
		}
		b.WriteString(")\n")
	}

	if p.HasFullNetworkAccess() {
		b.WriteString(seatbeltNetwork)
	}
	return b.String(), params
}
