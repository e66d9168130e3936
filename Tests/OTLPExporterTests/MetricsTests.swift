import CoreMetrics
import Foundation
import Logging
@_spi(Pipeline) import OTLPExporter
import TestSupport
import Testing
import Tracing

/// ``OTLPMetricsFactory`` (swift-metrics aggregated in memory), its OTLP/JSON encoding, the delta conversion,
/// and the periodic reader's export through the pipeline to a recording receiver.
@Suite struct MetricsTests {
    /// The one point of `name` in `points`.
    func point(_ name: String, in points: [MetricPoint]) throws -> MetricPoint {
        let matches = points.filter { $0.name == name }
        try #require(matches.count == 1, "\(matches.count) points named \(name)")
        return matches[0]
    }

    func histogram(_ point: MetricPoint) throws -> HistogramValue {
        guard case .histogram(let value) = point.value else {
            Issue.record("\(point.name) is not a histogram")
            throw CancellationError()
        }
        return value
    }

    @Test func countersSumEveryIncrementAndIgnoreNegativeOnes() throws {
        let factory = OTLPMetricsFactory()
        let counter = CoreMetrics.Counter(label: "jobs.done", dimensions: [("queue", "a")], factory: factory)
        counter.increment(by: 3)
        counter.increment()
        counter.increment(by: -5)
        // Made again with the same label and dimensions: the same stream.
        CoreMetrics.Counter(label: "jobs.done", dimensions: [("queue", "a")], factory: factory).increment(by: 2)
        CoreMetrics.Counter(label: "jobs.done", dimensions: [("queue", "b")], factory: factory).increment(by: 10)
        let points = factory.collect()
        #expect(points.count == 2)
        let queueA = try #require(points.first { $0.attributes == [TelemetryAttribute("queue", .string("a"))] })
        #expect(queueA.value == .int(6))
        #expect(queueA.kind == .sum(monotonic: true))
        #expect(!queueA.isDelta)
        #expect(queueA.startTimeUnixNano > 0 && queueA.startTimeUnixNano <= queueA.timeUnixNano)
        #expect(factory.counterTotal("jobs.done") == 16)
        // Dimensions in another order, or a key given twice (its last value counts): the same stream.
        let other = OTLPMetricsFactory()
        CoreMetrics.Counter(label: "c", dimensions: [("z", "1"), ("a", "2"), ("m", "3")], factory: other).increment()
        CoreMetrics.Counter(label: "c", dimensions: [("m", "3"), ("z", "1"), ("a", "2")], factory: other).increment()
        CoreMetrics.Counter(label: "c", dimensions: [("a", "9"), ("m", "3"), ("z", "1"), ("a", "2")], factory: other).increment()
        #expect(other.collect().count == 1)
        #expect(other.counterTotal("c") == 3)
        #expect(factory.counterTotal("jobs.done", matching: [("queue", "b")]) == 10)
    }

    @Test func concurrentIncrementsAreAllCounted() async {
        let factory = OTLPMetricsFactory()
        let counter = CoreMetrics.Counter(label: "hits", factory: factory)
        let timer = CoreMetrics.Timer(label: "waits", factory: factory)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<10_000 {
                        counter.increment()
                        timer.recordNanoseconds(1_000_000)
                    }
                }
            }
        }
        #expect(factory.counterTotal("hits") == 80_000)
        let waits = factory.collect().first { $0.name == "waits" }
        guard case .histogram(let value)? = waits?.value else {
            Issue.record("no waits histogram")
            return
        }
        #expect(value.count == 80_000)
        #expect(abs((value.sum ?? 0) - 80) < 1e-6)
    }

    @Test func histogramBucketsHoldTheRecordedValuesUpperBoundsInclusive() throws {
        var aggregation = MetricsAggregation()
        aggregation.descriptions["sizes"] = MetricDescription(unit: "By", description: "Sizes.", bounds: [10, 100, 1000])
        let factory = OTLPMetricsFactory(aggregation: aggregation)
        let recorder = CoreMetrics.Recorder(label: "sizes", factory: factory)
        for value in [1, 10, 11, 100, 999, 1000, 1001, 50_000] { recorder.record(value) }
        recorder.record(Double.nan)  // not a value: left out
        let point = try point("sizes", in: factory.collect())
        let value = try histogram(point)
        #expect(value.bounds == [10, 100, 1000])
        #expect(value.bucketCounts == [2, 2, 2, 2])
        #expect(value.count == 8)
        #expect(value.sum == 53_122)
        #expect(value.min == 1)
        #expect(value.max == 50_000)
        #expect(point.unit == "By")
        #expect(point.description == "Sizes.")
    }

    @Test func timersAreSecondsWithDurationBounds() throws {
        let factory = OTLPMetricsFactory()
        let timer = CoreMetrics.Timer(label: "call.duration", factory: factory)
        timer.recordNanoseconds(2_000_000)  // 2 ms
        timer.recordNanoseconds(3_000_000_000)  // 3 s
        let point = try point("call.duration", in: factory.collect())
        let value = try histogram(point)
        #expect(point.unit == "s")
        #expect(value.bounds == MetricsAggregation().durationBounds)
        #expect(value.sum == 3.002)
        #expect(value.bucketCounts[0] == 1)  // ≤ 5 ms
        #expect(value.bucketCounts[value.bounds.firstIndex(of: 5)!] == 1)  // (2.5 s, 5 s]
    }

    @Test func readsWhileRecordingNeverGoBackAndDeltasAddUpToTheTotal() async throws {
        let factory = OTLPMetricsFactory()
        let counter = CoreMetrics.Counter(label: "busy", factory: factory)
        let sizes = CoreMetrics.Recorder(label: "sizes", factory: factory)
        let writers = Task.detached {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        for index in 0..<20_000 {
                            counter.increment()
                            sizes.record(index % 7)
                        }
                    }
                }
            }
        }
        var converter = DeltaConverter()
        var lastTotal: Int64 = 0
        var deltaCount: Int64 = 0
        var deltaHistogramCount: UInt64 = 0
        var deltaSum = 0.0
        func read() throws {
            let points = factory.collect()
            for delta in converter.deltas(points) {
                switch delta.value {
                case .int(let value):
                    #expect(value > 0, "a delta of a monotonic sum is never negative")
                    deltaCount += value
                case .histogram(let histogram):
                    deltaHistogramCount += histogram.count
                    deltaSum += histogram.sum ?? 0
                case .double: Issue.record("no double here")
                }
            }
            if case .int(let total)? = points.first(where: { $0.name == "busy" })?.value {
                #expect(total >= lastTotal, "a cumulative sum never goes back")
                lastTotal = total
            }
        }
        // Read while they write (a lost increment never lets the total reach 80,000: the deadline ends it).
        let deadline = Date().addingTimeInterval(120)
        while lastTotal < 80_000, Date() < deadline {
            try read()
            await Task.yield()
        }
        await writers.value
        try read()
        #expect(lastTotal == 80_000)
        #expect(deltaCount == 80_000, "the deltas add up to the total")
        #expect(deltaHistogramCount == 80_000)
        // Each writer records 0…6 in turn: 2857 rounds of 21, then a last 0. Every value's sum, in some delta.
        let expectedSum: Double = 4 * (2857 * 21)
        #expect(deltaSum == expectedSum)
    }

    @Test func aResetStartsANewIntervalNeverANegativeDelta() async {
        let factory = OTLPMetricsFactory()
        let counter = CoreMetrics.Counter(label: "resets", factory: factory)
        let resetter = Task.detached {
            for round in 0..<2_000 {
                counter.increment(by: 5)
                if round % 10 == 0 { counter.reset() }
            }
        }
        var converter = DeltaConverter()
        var previous: (start: UInt64, total: Int64)?
        for _ in 0..<2_000 {
            let points = factory.collect()
            for delta in converter.deltas(points) {
                if case .int(let value) = delta.value { #expect(value > 0) }
            }
            if let point = points.first, case .int(let total) = point.value {
                if let previous, previous.start == point.startTimeUnixNano { #expect(total >= previous.total, "one start, one growing total") }
                previous = (point.startTimeUnixNano, total)
            }
        }
        await resetter.value
    }

    @Test func aNameIsOneInstrumentType() {
        let warnings = Warnings()
        let factory = OTLPMetricsFactory(report: { warnings.add($0) })
        CoreMetrics.Counter(label: "jobs", factory: factory).increment(by: 2)
        CoreMetrics.Timer(label: "jobs", factory: factory).recordNanoseconds(5)
        CoreMetrics.Timer(label: "jobs", dimensions: [("a", "b")], factory: factory).recordNanoseconds(5)
        let points = factory.collect()
        #expect(points.count == 1 && points[0].kind == .sum(monotonic: true))
        #expect(warnings.all == ["metrics: 'jobs' is a counter; a timer of that name records nothing (one type a name)"])
    }

    @Test func histogramsLeaveOutInfiniteValuesAndTheSumOfNegativeOnes() throws {
        let factory = OTLPMetricsFactory()
        let temperatures = CoreMetrics.Recorder(label: "temperatures", factory: factory)
        temperatures.record(Double.infinity)
        temperatures.record(3)
        #expect(try histogram(point("temperatures", in: factory.collect())).sum == 3)
        temperatures.record(-2)
        let value = try histogram(point("temperatures", in: factory.collect()))
        #expect(value.count == 2 && value.sum == nil && value.min == -2)
        let json = OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t")).encode(metrics: factory.collect())
        #expect(!String(decoding: json, as: UTF8.self).contains("\"sum\":"))
    }

    @Test func gaugesAndMetersKeepTheLastValue() throws {
        let factory = OTLPMetricsFactory()
        let gauge = CoreMetrics.Gauge(label: "queue.depth", factory: factory)
        let meter = CoreMetrics.Meter(label: "in.flight", factory: factory)
        #expect(factory.collect().isEmpty, "a gauge never set has no point")
        gauge.record(7)
        gauge.record(3)
        meter.set(2)
        meter.increment(by: 5)
        meter.decrement(by: 1)
        let points = factory.collect()
        #expect(try point("queue.depth", in: points).value == .double(3))
        #expect(try point("in.flight", in: points).value == .double(6))
        #expect(try point("in.flight", in: points).kind == .gauge)
    }

    @Test func labelsBecomeValidInstrumentNames() {
        func name(_ label: String) -> String? {
            let factory = OTLPMetricsFactory()
            CoreMetrics.Counter(label: label, factory: factory).increment()
            return factory.collect().first?.name
        }
        #expect(name("http.server.duration") == "http.server.duration")
        #expect(name("my app/requests total") == "my_app/requests_total")
        #expect(name("9lives") == "m9lives")
        #expect(name("") == "unnamed")
        #expect(name(String(repeating: "a", count: 300))?.count == 255)
    }

    @Test func destroyedStreamsAreNoLongerRead() {
        let factory = OTLPMetricsFactory()
        let counter = CoreMetrics.Counter(label: "short.lived", factory: factory)
        counter.increment()
        #expect(factory.collect().count == 1)
        counter.destroy()
        #expect(factory.collect().isEmpty)
    }

    @Test func cumulativeReadsKeepTotalsAndDeltaReadsGiveWhatChanged() throws {
        let factory = OTLPMetricsFactory()
        let counter = CoreMetrics.Counter(label: "done", factory: factory)
        let sizes = CoreMetrics.Recorder(label: "sizes", factory: factory)
        var converter = DeltaConverter()

        counter.increment(by: 5)
        sizes.record(3)
        let first = factory.collect()
        let firstDeltas = converter.deltas(first)
        #expect(try point("done", in: first).value == .int(5))
        #expect(try point("done", in: firstDeltas).value == .int(5))
        #expect(try point("done", in: firstDeltas).isDelta)
        #expect(try point("done", in: firstDeltas).startTimeUnixNano == point("done", in: first).startTimeUnixNano)

        counter.increment(by: 2)
        sizes.record(7)
        sizes.record(8)
        let second = factory.collect()
        let secondDeltas = converter.deltas(second)
        #expect(try point("done", in: second).value == .int(7), "cumulative: the total since the start")
        #expect(try point("done", in: secondDeltas).value == .int(2), "delta: what the interval added")
        // A delta interval starts where the previous read ended.
        #expect(try point("done", in: secondDeltas).startTimeUnixNano == point("done", in: first).timeUnixNano)
        let cumulativeSizes = try histogram(point("sizes", in: second))
        let deltaSizes = try histogram(point("sizes", in: secondDeltas))
        #expect(cumulativeSizes.count == 3 && cumulativeSizes.sum == 18)
        #expect(deltaSizes.count == 2 && deltaSizes.sum == 15)
        #expect(deltaSizes.bucketCounts.reduce(0, +) == 2)
        #expect(deltaSizes.min == nil && deltaSizes.max == nil, "an interval's min and max are not known")

        // Nothing new: no delta points; a reset counter counts from its new start.
        #expect(converter.deltas(factory.collect()).isEmpty)
        counter.reset()
        counter.increment(by: 4)
        #expect(try point("done", in: converter.deltas(factory.collect())).value == .int(4))
    }

    @Test func encodedMetricsAreValidOTLPJSON() throws {
        let factory = OTLPMetricsFactory(aggregation: MetricsAggregation(descriptions: ["jobs": MetricDescription(unit: "{job}", description: "Jobs \"done\".")]))
        CoreMetrics.Counter(label: "jobs", dimensions: [("queue", "a\u{1}b")], factory: factory).increment(by: 3)
        CoreMetrics.FloatingPointCounter(label: "cost", factory: factory).increment(by: 0.25)
        CoreMetrics.Timer(label: "latency", dimensions: [("route", "/")], factory: factory).recordNanoseconds(1_500_000)
        CoreMetrics.Recorder(label: "sizes", factory: factory).record(42)
        CoreMetrics.Gauge(label: "depth", factory: factory).record(Double.infinity)
        CoreMetrics.Meter(label: "level", factory: factory).set(-2.5)
        let encoder = OTLPJSONEncoder(resource: OTLPResource(attributes: [TelemetryAttribute("service.name", .string("test"))], scopeName: "t"))
        var converter = DeltaConverter()
        let path = temporaryPath("metrics") + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cumulative = encoder.encode(metrics: factory.collect())
        let delta = encoder.encode(metrics: converter.deltas(factory.collect()))
        try Data(cumulative + [10] + delta + [10]).write(to: URL(fileURLWithPath: path))
        let result = try OTLPSchemaValidator.run([path])
        #expect(result.status == 0, "\(result.output)")

        let document = try #require(try JSONSerialization.jsonObject(with: Data(cumulative)) as? [String: Any])
        let metrics = try #require(
            (((document["resourceMetrics"] as? [[String: Any]])?.first?["scopeMetrics"] as? [[String: Any]])?.first?["metrics"]) as? [[String: Any]])
        #expect(metrics.map { $0["name"] as? String } == ["cost", "depth", "jobs", "latency", "level", "sizes"])
        let jobs = try #require(metrics.first { $0["name"] as? String == "jobs" })
        #expect(jobs["unit"] as? String == "{job}")
        let sum = try #require(jobs["sum"] as? [String: Any])
        #expect(sum["aggregationTemporality"] as? Int == 2)
        #expect(sum["isMonotonic"] as? Bool == true)
        let dataPoint = try #require((sum["dataPoints"] as? [[String: Any]])?.first)
        #expect(dataPoint["asInt"] as? String == "3")
        let depth = try #require(metrics.first { $0["name"] as? String == "depth" })
        #expect(((depth["gauge"] as? [String: Any])?["dataPoints"] as? [[String: Any]])?.first?["asDouble"] as? String == "Infinity")
        #expect(EncodedBatch(spooled: cumulative, signal: .metrics).itemCount == 6, "a spooled batch's points are counted")
        // Every sum and histogram point has its start; a histogram has one bucket more than bounds.
        for metric in metrics {
            for kind in ["sum", "histogram"] {
                for point in ((metric[kind] as? [String: Any])?["dataPoints"] as? [[String: Any]]) ?? [] {
                    #expect(point["startTimeUnixNano"] is String, "\(metric["name"] ?? "")")
                    if kind == "histogram" {
                        #expect((point["bucketCounts"] as? [Any])?.count == ((point["explicitBounds"] as? [Any])?.count ?? 0) + 1)
                    }
                }
            }
        }
        // Two reads in one batch: one metric a name, its points together.
        let twice = try #require(try JSONSerialization.jsonObject(with: Data(encoder.encode(metrics: factory.collect() + factory.collect()))) as? [String: Any])
        let names = ((((twice["resourceMetrics"] as? [[String: Any]])?.first?["scopeMetrics"] as? [[String: Any]])?.first?["metrics"]) as? [[String: Any]] ?? [])
            .map { $0["name"] as? String ?? "" }
        #expect(names == ["cost", "depth", "jobs", "latency", "level", "sizes"])
    }

    @Test func theReaderExportsOnFlushAndAtShutdownCumulativeOrDelta() throws {
        for temporality in [OTLPConfiguration.MetricTemporality.cumulative, .delta] {
            let server = try LocalHTTPServer()
            defer { server.stop() }
            var configuration = OTLPConfiguration(serviceName: "metered")
            configuration.endpoint = server.baseURL
            configuration.traces.exporters = []
            configuration.logs.exporters = []
            configuration.metricTemporality = temporality
            let observability = OTLPObservability(configuration: configuration, environment: [:])
            let factory = try #require(observability.metricsFactory)
            let counter = CoreMetrics.Counter(label: "orders", dimensions: [("shop", "north")], factory: factory)
            counter.increment(by: 3)
            #expect(observability.forceFlush(timeoutSeconds: 10))
            counter.increment(by: 4)
            #expect(observability.shutdown(timeoutSeconds: 10))

            let values: [(temporality: Int, value: String)] = try server.requests.filter { $0.path == "/v1/metrics" }.flatMap { request in
                let body = request.headers["content-encoding"] == "gzip" ? Gzip.decompress(request.body) ?? [] : request.body
                let document = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
                let metrics = (((document["resourceMetrics"] as? [[String: Any]])?.first?["scopeMetrics"] as? [[String: Any]])?.first?["metrics"]) as? [[String: Any]] ?? []
                return metrics.filter { $0["name"] as? String == "orders" }.compactMap { metric -> (Int, String)? in
                    guard let sum = metric["sum"] as? [String: Any], let point = (sum["dataPoints"] as? [[String: Any]])?.first else { return nil }
                    return ((sum["aggregationTemporality"] as? Int) ?? 0, (point["asInt"] as? String) ?? "")
                }
            }
            if temporality == .cumulative {
                #expect(values.map(\.value) == ["3", "7"])
                #expect(values.allSatisfy { $0.temporality == 2 })
            } else {
                #expect(values.map(\.value) == ["3", "4"])
                #expect(values.allSatisfy { $0.temporality == 1 })
            }
            // The two reads' points, the pipeline's own health among them, all delivered.
            #expect((observability.metricCounters?.delivered ?? 0) >= 2)
            #expect(observability.metricCounters?.lost == 0)
            #expect(server.requests.allSatisfy { $0.path == "/v1/metrics" }, "spans and logs are not exported here")
        }
    }

    @Test func theReaderExportsEveryIntervalOnItsOwn() throws {
        let server = try LocalHTTPServer()
        defer { server.stop() }
        let clock = ManualOTLPClock()
        let factory = OTLPMetricsFactory()
        CoreMetrics.Counter(label: "ticks", factory: factory).increment()
        let processor = BatchProcessor<MetricPoint>(
            signal: .metrics, configuration: BatchConfiguration(scheduledDelaySeconds: 60),
            encode: { OTLPJSONEncoder(resource: OTLPResource(attributes: [], scopeName: "t")).encode(metrics: $0) },
            exporter: OTLPHTTPExporter(destination: .init(url: server.baseURL + "/v1/metrics"), userAgent: "test", report: { _ in }),
            spool: nil, clock: clock, report: { _ in })
        let reader = PeriodicMetricReader(factory: factory, intervalSeconds: 30, timeoutSeconds: 5, delta: false, processor: processor, clock: clock)
        #expect(clock.awaitWait(until: clock.now() + 30), "the reader waits for its interval")
        #expect(server.requests.isEmpty)
        clock.advance(by: 31)
        let deadline = Date().addingTimeInterval(10)
        while processor.counters.delivered < 1, Date() < deadline { usleep(10_000) }
        #expect(processor.counters.delivered == 1, "one point after one interval")
        #expect(reader.shutdown(timeoutSeconds: 5))
        #expect(processor.counters.delivered == 2, "and one more at shutdown")
    }

    @Test func theEnvironmentSetsTheMetricsSignal() {
        var warnings: [String] = []
        let configuration = OTLPConfiguration().applyingEnvironment([
            "OTEL_METRICS_EXPORTER": "console,otlp",
            "OTEL_METRIC_EXPORT_INTERVAL": "1500",
            "OTEL_METRIC_EXPORT_TIMEOUT": "0",
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "Delta",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://127.0.0.1:9/custom/metrics",
            "OTEL_EXPORTER_OTLP_METRICS_HEADERS": "x-tenant=blue",
        ], warn: { warnings.append($0) })
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(configuration.metrics.exporters == [.console, .otlp])
        #expect(configuration.metricExportIntervalSeconds == 1.5)
        #expect(configuration.metricExportTimeoutSeconds == Double(Int32.max) / 1000, "0: no limit")
        #expect(configuration.metricTemporality == .delta)
        #expect(configuration.destinations.metrics?.url == "http://127.0.0.1:9/custom/metrics")
        #expect(configuration.destinations.metrics?.headers == [.init(name: "x-tenant", value: "blue")])
        #expect(configuration.destinations.traces?.headers == [], "a signal's headers are its own")
        #expect(OTLPConfiguration().destinations.metrics?.url == "http://localhost:4318/v1/metrics")

        warnings = []
        let bad = OTLPConfiguration().applyingEnvironment([
            "OTEL_METRIC_EXPORT_INTERVAL": "0", "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "sometimes",
            "OTEL_METRICS_EXPORTER": "none",
        ], warn: { warnings.append($0) })
        #expect(bad.metricExportIntervalSeconds == 60)
        #expect(bad.metricTemporality == .cumulative)
        #expect(bad.metrics.exporters.isEmpty)
        #expect(bad.destinations.metrics == nil)
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.hasPrefix("OTEL_METRIC_EXPORT_INTERVAL: '0'") })
        #expect(warnings.contains { $0.contains("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE") && $0.contains("cumulative, delta") })

        // prometheus is a metrics exporter (a scrape endpoint on OTEL_EXPORTER_PROMETHEUS_HOST:PORT), not a
        // traces one; a bad port is said and the default kept.
        warnings = []
        let scraped = OTLPConfiguration().applyingEnvironment([
            "OTEL_METRICS_EXPORTER": "prometheus", "OTEL_TRACES_EXPORTER": "prometheus,otlp",
            "OTEL_EXPORTER_PROMETHEUS_HOST": "0.0.0.0", "OTEL_EXPORTER_PROMETHEUS_PORT": "70000",
        ], warn: { warnings.append($0) })
        #expect(scraped.metrics.exporters == [.prometheus] && scraped.destinations.metrics == nil)
        #expect(scraped.traces.exporters == [.otlp])
        #expect(scraped.prometheusHost == "0.0.0.0" && scraped.prometheusPort == 9464)
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix("OTEL_TRACES_EXPORTER: 'prometheus' is not supported") })
        #expect(warnings.contains { $0.hasPrefix("OTEL_EXPORTER_PROMETHEUS_PORT: '70000'") })

        // Choices this exporter does not make are said.
        warnings = []
        _ = OTLPConfiguration().applyingEnvironment([
            "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "base2_exponential_bucket_histogram",
            "OTEL_METRICS_EXEMPLAR_FILTER": "always_on",
        ], warn: { warnings.append($0) })
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.hasPrefix("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: base2_exponential_bucket_histogram is not supported") })
        warnings = []
        _ = OTLPConfiguration().applyingEnvironment([
            "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "explicit_bucket_histogram", "OTEL_METRICS_EXEMPLAR_FILTER": "always_off",
        ], warn: { warnings.append($0) })
        #expect(warnings.isEmpty)
    }

    @Test func thePipelinesCountTheirOwnHealth() throws {
        // The first batch is refused for good (400), the next delivered.
        let server = try LocalHTTPServer(script: [.respond(status: 400, body: "bad")])
        let metricsServer = try LocalHTTPServer()
        defer {
            server.stop()
            metricsServer.stop()
        }
        var configuration = OTLPConfiguration(serviceName: "health")
        configuration.endpoint = metricsServer.baseURL
        configuration.traces.endpoint = server.baseURL + "/v1/traces"
        configuration.metricsIncludePipelineHealth = true
        configuration.logs.exporters = []
        let observability = OTLPObservability(configuration: configuration, environment: [:], logger: Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() })
        let factory = try #require(observability.metricsFactory)
        let tracer = observability.tracer
        func spans(_ count: Int) {
            for _ in 0..<count {
                tracer.startSpan("s", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: "", file: "", line: 0).end()
            }
            observability.forceFlush(timeoutSeconds: 10)
        }
        spans(2)
        spans(3)
        let points = factory.collect()
        let exported = points.filter { $0.name == "otel.sdk.exporter.span.exported" }
        func value(_ errorType: String?) -> MetricPoint.Value? {
            exported.first { point in point.attributes.first { $0.key == "error.type" }?.value == errorType.map { .string($0) } }?.value
        }
        #expect(value(nil) == .int(3), "delivered: no error.type")
        #expect(value("lost") == .int(2), "refused, with no spool to keep them in: lost")
        #expect(exported.allSatisfy { $0.attributes.contains(TelemetryAttribute("otel.component.type", .string("otlp_http_json_span_exporter"))) })
        let durations = points.filter { $0.name == "otel.sdk.exporter.operation.duration" && $0.attributes.contains { $0.value == .string("otlp_http_json_span_exporter") } }
        let counts = durations.compactMap { point -> UInt64? in if case .histogram(let value) = point.value { value.count } else { nil } }
        #expect(counts.reduce(0, +) == 2, "two exports timed")
        #expect(durations.contains { $0.attributes.contains(TelemetryAttribute("error.type", .string("rejected"))) })
        let capacity = points.first { $0.name == "otel.sdk.processor.span.queue.capacity" }
        #expect(capacity?.value == .double(Double(configuration.traces.batch.maxQueueSize)))
        #expect(points.contains { $0.name == "otel.sdk.processor.span.queue.size" })
        observability.shutdown(timeoutSeconds: 5)
    }
}
