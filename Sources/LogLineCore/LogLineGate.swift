/// Decides, once a line is captured and before any output sees it, whether it goes on now. A gate may hold
/// a line back and hand it to the same `outputs` later (a sampled-out trace's lines, kept in case its
/// work fails), or drop it.
public protocol LogLineGate: Sendable {
    /// True to write `line` to `outputs` now; false when the gate dropped it or holds it.
    func admit(_ line: LogLine, outputs: [any LogLineOutput]) -> Bool
}
