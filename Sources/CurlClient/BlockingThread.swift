#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A detached OS thread for blocking work (a libcurl transfer), so the cooperative pool never blocks.
final class BlockingThread: Sendable {
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { argument in
            let me = Unmanaged<BlockingThread>.fromOpaque(argument!).takeRetainedValue()
            me.body()
            return nil
        }, box)
        if created == 0 {
            pthread_detach(thread)
        } else {
            // No thread to be had: run inline rather than lose the work.
            Unmanaged<BlockingThread>.fromOpaque(box).release()
            body()
        }
    }
}
