// The OTLP plugin on its own, with no ECL engine: any code instrumented with swift-distributed-tracing and
// swift-log gets its spans and logs exported as OTLP/JSON. The set-up is the first line; the rest is the
// application. Configure it with the standard OTEL_* variables:
//
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 swift run --package-path examples/PluginOnly
import OTLPExporter  // brings swift-log's Logger and swift-distributed-tracing's withSpan too

let otel = OTLP.bootstrap(configuration: .init(serviceName: "plugin-example"))

// Ordinary instrumented code.
let logger = Logger(label: "orders")
func handle(order: Int) throws {
    try withSpan("handle order", ofKind: .server) { span in
        span.attributes["order.id"] = order
        logger.info("Order received", metadata: ["order.id": "\(order)", "lines": ["a", "b"], "customer": ["tier": "gold"]])
        try withSpan("charge card", ofKind: .client) { charge in
            charge.attributes["amount"] = 12.5
            if order == 3 { throw CancellationError() }  // recorded as an `exception` event
        }
    }
}
for order in 1...3 { try? handle(order: order) }

otel.shutdown()  // blocking, at the end of main.swift; `await otel.shutdown()` in an async function
let spans = otel.spanCounters ?? .init()
let logs = otel.logCounters ?? .init()
print("delivered \(spans.delivered) spans and \(logs.delivered) log records; \(spans.lost + logs.lost) lost")
