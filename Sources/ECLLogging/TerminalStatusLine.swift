import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The one updating line a command may keep at the bottom of the terminal, on standard error (a progress
/// line). Every other write to the terminal goes through ``around(_:)``: the line is erased first and
/// drawn again after, so log lines, results and warnings never run into it. Nothing is drawn unless
/// standard error is a terminal.
public enum TerminalStatusLine {
    private static let shown = Mutex<String?>(nil)
    /// Whether a line is shown: read without the lock on every write to the terminal.
    private static let active = Atomic<Bool>(false)

    /// Whether standard error is a terminal (the only place the line is drawn).
    public static let isAvailable = isatty(STDERR_FILENO) == 1

    /// Shows `text` as the line (cut to the terminal's width), replacing the one shown.
    public static func show(_ text: String) {
        guard isAvailable else { return }
        shown.withLock { shown in
            shown = fitted(text)
            active.store(true, ordering: .releasing)
            draw(shown)
        }
    }

    /// Erases the line for good.
    public static func clear() {
        shown.withLock { shown in
            guard shown != nil else { return }
            erase()
            shown = nil
            active.store(false, ordering: .releasing)
        }
    }

    /// Runs `write` (output to the terminal) with the line erased before and drawn again after.
    public static func around<T>(_ write: () throws -> T) rethrows -> T {
        guard active.load(ordering: .acquiring) else { return try write() }
        return try shown.withLock { shown in
            if shown != nil { erase() }
            defer { if shown != nil { draw(shown) } }
            return try write()
        }
    }

    private static func draw(_ text: String?) {
        guard let text else { return }
        output("\r\u{1B}[2K" + text)
    }

    private static func erase() { output("\r\u{1B}[2K") }

    private static func output(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    private static func fitted(_ text: String) -> String {
        var size = winsize()
        let columns = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        return text.count < columns ? text : String(text.prefix(max(1, columns - 1)))
    }
}
