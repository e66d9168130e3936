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
        let created = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<LineScratch>.fromOpaque(pointer).release() }
        }
        precondition(created == 0, "pthread_key_create failed (\(created)): no thread-local line buffers")
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
