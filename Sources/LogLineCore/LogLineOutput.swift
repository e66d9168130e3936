/// Where captured lines go: a formatted console or file, an OTLP log pipeline, a SQL writer.
public protocol LogLineOutput: Sendable {
    /// Takes one line. Called on the logging thread: queue or write, never wait on the network.
    func write(_ line: LogLine)
}
