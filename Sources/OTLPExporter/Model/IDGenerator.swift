#if canImport(Glibc)
import Glibc
#endif

/// Random ids without a system call each: a SplitMix64 generator per thread, seeded from the system's random
/// source when the thread makes its first id. Trace and span ids need to be unique and unpredictable enough
/// for sampling decisions, not secret (the W3C Trace Context and OpenTelemetry SDKs use such generators);
/// `SystemRandomNumberGenerator` costs a `getrandom` call a number, which was a tenth of a span's cost.
enum IDGenerator {
    /// A thread's generator state.
    final class State {
        var value: UInt64
        init() {
            var system = SystemRandomNumberGenerator()
            value = system.next()
        }
    }

    /// The key of each thread's state; the thread's exit releases it.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<State>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// The next random 64 bits of this thread's generator.
    static func next() -> UInt64 {
        let state: State
        if let held = pthread_getspecific(key) {
            state = Unmanaged<State>.fromOpaque(held).takeUnretainedValue()
        } else {
            state = State()
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
