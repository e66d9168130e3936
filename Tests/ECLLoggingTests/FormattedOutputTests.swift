import ECLLogging
import LogLineCore
import Logging
import Testing

@Suite struct FormattedOutputTests {
    @Test func colorsOnlyOnATerminalForPretty() {
        #expect(LineFormatter(config: .dev, terminal: true).colors)
        #expect(!LineFormatter(config: .dev, terminal: false).colors)
        #expect(!LineFormatter(config: LogConfig(format: .json), terminal: true).colors)
        #expect(!LineFormatter(config: LogConfig(useColors: false), terminal: true).colors)
    }

    @Test func linesAreRenderedIntoTheSink() {
        let sink = LogSink.memory()
        let output = FormattedOutput(formatter: LineFormatter(format: .compact, includeTimestamps: false), sink: sink)
        output.write(LogLine(timeUnixNano: 0, level: .error, label: "a", message: "first", fields: ["k": "v"]))
        output.write(LogLine(timeUnixNano: 0, level: .info, label: "b", message: "second"))
        #expect(sink.lines == [#"level=error logger=a msg="first" k=v"#, #"level=info logger=b msg="second""#])
    }
}
