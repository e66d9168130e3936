import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Random span ids without a system call each: a SplitMix64 generator per thread, seeded from the system's
/// random source when the thread makes its first id, and again in a child process after `fork` (which would
/// otherwise repeat its parent's ids). Span ids must be unique within a trace, not secret;
/// `SystemRandomNumberGenerator` costs a `getrandom` call a number, which was a tenth of a span's cost.
/// Trace ids, one a trace, still come from the system's source (see ``TraceID/random()``).
enum IDGenerator {
    /// A thread's generator state.
    final class State {
        var value: UInt64
        var generation: UInt64

        init(generation: UInt64) {
            self.generation = generation
            value = 0
            reseed(generation: generation)
        }

        func reseed(generation: UInt64) {
            var system = SystemRandomNumberGenerator()
            value = system.next()
            self.generation = generation
        }
    }

    /// Bumped in every child process a `fork` makes.
    private static let forks = Atomic<UInt64>(0)

    /// The key of each thread's state; the thread's exit releases it.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<State>.fromOpaque(pointer).release() }
        }
        precondition(created == 0, "pthread_key_create failed (\(created)): no thread-local id generator")
        pthread_atfork(nil, nil) { IDGenerator.forks.add(1, ordering: .relaxed) }
        return key
    }()

    /// The next random 64 bits of this thread's generator.
    static func next() -> UInt64 {
        let key = Self.key
        let generation = forks.load(ordering: .relaxed)
        let state: State
        if let held = pthread_getspecific(key) {
            state = Unmanaged<State>.fromOpaque(held).takeUnretainedValue()
            if state.generation != generation { state.reseed(generation: generation) }
        } else {
            state = State(generation: generation)
            let retained = Unmanaged.passRetained(state)
            if pthread_setspecific(key, retained.toOpaque()) != 0 { retained.release() }
        }
        state.value &+= 0x9e37_79b9_7f4a_7c15
        var mixed = state.value
        mixed = (mixed ^ (mixed >> 30)) &* 0xbf58_476d_1ce4_e5b9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94d0_49bb_1331_11eb
        return mixed ^ (mixed >> 31)
    }
}
