/// A run's totals: the summary's numbers (its JSON form is the `summary` line of `--output json`).
struct RunTotals: Encodable {
    var workflows = 0
    var completed = 0
    var failed = 0
    var cancelled = 0
    var running = 0
    var notStarted = 0
    var retries = 0
    var revisions = 0
    var tokensUsed = 0
    var wallSeconds = 0.0
    /// After the workflows: delivering (or spooling) the last telemetry.
    var finishSeconds = 0.0

    /// Workflows that ended.
    var ended: Int { completed + failed + cancelled }

    /// Workflows ended a second.
    var throughput: Double { wallSeconds > 0 ? Double(ended) / wallSeconds : 0 }

    enum CodingKeys: String, CodingKey {
        case workflows, completed, failed, cancelled, retries, revisions, throughput
        case notStarted = "not_started"
        case tokensUsed = "tokens_used"
        case wallSeconds = "wall_seconds"
        case finishSeconds = "finish_seconds"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(workflows, forKey: .workflows)
        try container.encode(completed, forKey: .completed)
        try container.encode(failed, forKey: .failed)
        try container.encode(cancelled, forKey: .cancelled)
        try container.encode(notStarted, forKey: .notStarted)
        try container.encode(retries, forKey: .retries)
        try container.encode(revisions, forKey: .revisions)
        try container.encode(tokensUsed, forKey: .tokensUsed)
        try container.encode((wallSeconds * 1000).rounded() / 1000, forKey: .wallSeconds)
        try container.encode((finishSeconds * 1000).rounded() / 1000, forKey: .finishSeconds)
        try container.encode((throughput * 10).rounded() / 10, forKey: .throughput)
    }
}
