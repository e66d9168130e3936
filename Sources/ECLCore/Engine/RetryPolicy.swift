/// How often a step is tried and how long to wait between tries.
public struct RetryPolicy: Sendable, Equatable, Codable {
    /// Tries in all, the first included; at least 1.
    public var maxAttempts: Int
    /// The wait before the second try, in seconds.
    public var initialDelay: Double
    /// The longest wait between tries, in seconds.
    public var maxDelay: Double
    /// Each wait is the one before times this; 1 gives a constant delay.
    public var multiplier: Double

    /// Creates a policy; `maxAttempts` below 1 is raised to 1 and negative delays to 0.
    public init(maxAttempts: Int, initialDelay: Double, maxDelay: Double, multiplier: Double) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = max(0, initialDelay)
        self.maxDelay = max(0, maxDelay)
        self.multiplier = max(1, multiplier)
    }

    /// Exponential backoff: by default 3 tries, 1 s then doubling, capped at 10 s.
    public static func exponential(
        maxAttempts: Int = 3, initialDelay: Double = 1, maxDelay: Double = 10, multiplier: Double = 2
    ) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialDelay: initialDelay, maxDelay: maxDelay, multiplier: multiplier)
    }

    /// One try, no retry.
    public static let none = RetryPolicy(maxAttempts: 1, initialDelay: 0, maxDelay: 0, multiplier: 1)

    /// A constant delay between tries: by default 3 tries, 1 s apart.
    public static func linear(maxAttempts: Int = 3, delay: Double = 1) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialDelay: delay, maxDelay: delay, multiplier: 1)
    }

    /// The default for steps: ``exponential(maxAttempts:initialDelay:maxDelay:multiplier:)`` with its defaults.
    public static let `default` = exponential()

    /// The wait in seconds before try `attempt + 1`, after try `attempt` (1-based) failed:
    /// `initialDelay × multiplier^(attempt − 1)`, capped at `maxDelay`; 0 for attempts below 1.
    public func delay(forAttempt attempt: Int) -> Double {
        guard attempt >= 1 else { return 0 }
        var delay = initialDelay
        for _ in 1..<attempt {
            delay *= multiplier
            if delay >= maxDelay { break }
        }
        return min(delay, maxDelay)
    }
}
