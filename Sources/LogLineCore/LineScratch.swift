import JSONWriting

#if canImport(Glibc)
import Glibc
#endif

/// A thread's reusable line buffer and timestamp cache, so that rendering a line allocates nothing once the
/// thread has rendered one.
///
/// Held in a pthread key: a line is rendered synchronously on one thread, with no suspension point, so a
/// task that moves between threads never sees another's buffer. A line rendered while another is being
/// rendered on the same thread (a value's description that logs) gets a fresh scratch of its own.
final class LineScratch {
    /// The line being rendered.
    var bytes: [UInt8] = []
    /// The date and time of the last second rendered.
    var clock = TimestampCache()

    /// The most a thread's buffer keeps between lines.
    static let maxKeptBytes = 64 * 1024

    init() { bytes.reserveCapacity(512) }

    /// The key of each thread's scratch; the thread's exit releases it.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<LineScratch>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// Calls `body` with this thread's scratch, emptied of the last line.
    static func with<Result>(_ body: (LineScratch) -> Result) -> Result {
        let held = pthread_getspecific(key)
        let scratch: LineScratch
        if let held {
            // Taken out of the slot while in use: a nested call finds the slot empty and makes its own.
            pthread_setspecific(key, nil)
            scratch = Unmanaged<LineScratch>.fromOpaque(held).takeUnretainedValue()
        } else {
            scratch = LineScratch()
        }
        scratch.bytes.removeAll(keepingCapacity: true)
        defer {
            // A huge line's buffer is not kept for the thread's life.
            if scratch.bytes.capacity > maxKeptBytes { scratch.bytes = [] }
            if let nested = pthread_getspecific(key) { Unmanaged<LineScratch>.fromOpaque(nested).release() }
            if let held {
                pthread_setspecific(key, held)
            } else {
                let retained = Unmanaged.passRetained(scratch)
                // When the slot cannot be set (out of memory), the scratch is not kept rather than leaked.
                if pthread_setspecific(key, retained.toOpaque()) != 0 { retained.release() }
            }
        }
        return body(scratch)
    }
}

/// The text of the last second rendered (`2026-11-25T14:45:08`), so that a line in the same second copies
/// it instead of computing the calendar again.
struct TimestampCache {
    private var second: Int = .min
    private var text: [UInt8] = []

    /// `YYYY-MM-DDTHH:MM:SS` of `second` (seconds since the Unix epoch, UTC).
    mutating func dateTime(_ second: Int) -> [UInt8] {
        if second != self.second {
            var seconds = time_t(second)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            text.removeAll(keepingCapacity: true)
            text.append(decimal: Int(parts.tm_year) + 1900, width: 4)
            text.append(ascii: "-")
            text.append(decimal: Int(parts.tm_mon) + 1, width: 2)
            text.append(ascii: "-")
            text.append(decimal: Int(parts.tm_mday), width: 2)
            text.append(ascii: "T")
            text.append(decimal: Int(parts.tm_hour), width: 2)
            text.append(ascii: ":")
            text.append(decimal: Int(parts.tm_min), width: 2)
            text.append(ascii: ":")
            text.append(decimal: Int(parts.tm_sec), width: 2)
            self.second = second
        }
        return text
    }
}
