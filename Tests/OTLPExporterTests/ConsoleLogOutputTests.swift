import LogLineCore
@testable @_spi(Pipeline) import OTLPExporter
import Testing

@Suite struct ConsoleLogOutputTests {
    @Test func aLineLoggedInASpanNamesItsTraceAndSpan() throws {
        let trace = try #require(TraceID(hex: "0af7651916cd43dd8448eb211c80319c"))
        let line = LogLine(
            timeUnixNano: 1, level: .info, label: "app", message: "cart looked up", fields: ["cart.id": "c-42"], file: "", line: 0,
            trace: LogTraceContext(traceIDHigh: trace.high, traceIDLow: trace.low, spanID: 0xb7ad6b7169203331))
        let text = String(decoding: ConsoleLogOutput.text(line, formatter: LineFormatter(format: .compact)), as: UTF8.self)
        #expect(text.hasSuffix(#"msg="cart looked up" cart.id=c-42 trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331"#), "\(text)")
    }
}
