import CurlClient
import Foundation
import JSONWriting
import Synchronization

/// Sends batches to an OTLP/HTTP collector as JSON (`Content-Type: application/json`), gzip-compressed by
/// default, over one kept-alive libcurl connection.
///
/// Retries 429, 502, 503, 504, time-outs and broken connections with exponential backoff and full jitter,
/// honouring `Retry-After` (seconds or an HTTP date), until the batch's deadline (at most
/// ``OTLPHTTPConfiguration/Destination/timeoutSeconds`` a batch, `OTEL_EXPORTER_OTLP_TIMEOUT`); never retries other
/// statuses. A refused connection or an unknown host is not retried: the collector is not there, and the
/// batch is reported unavailable at once (the processor spools it and probes later).
/// A 200 carrying `partialSuccess` with rejected items is reported as a warning.
@_spi(Pipeline) public final class OTLPHTTPExporter: BatchExporter {
    /// The URL batches are posted to.
    public let url: String
    private let configuration: OTLPHTTPConfiguration.Destination
    private let client: CurlHTTPClient
    private let clock: any OTLPClock
    private let report: @Sendable (String) -> Void
    /// The first retry's delay before jitter, in seconds.
    public let initialBackoff: Double
    /// The longest delay between retries, in seconds.
    public let maxBackoff: Double
    /// The delay before a retry, given the backoff: full jitter (at random in 0...backoff) by default.
    private let jitter: @Sendable (Double) -> Double
    /// The most of a response's body read: 4 MiB, as the OTLP/HTTP specification bounds it (a server that
    /// sends more, a misconfigured proxy or not a collector at all, cannot make the exporter hold it).
    public static let maxResponseBytes = 4 << 20
    /// Whether an answer that was not an OTLP response has been reported (once is enough).
    private let warnedOfBody = Atomic<Bool>(false)
    /// Items refused in partial successes, not yet taken by the processor.
    private let refusedInPart = Atomic<Int>(0)
    /// Whether a partial success has been reported (later ones are counted only).
    private let warnedOfPartialSuccess = Atomic<Bool>(false)

    /// Creates an exporter for one signal's destination.
    public init(
        destination: OTLPHTTPConfiguration.Destination, userAgent: String, clock: any OTLPClock = SystemOTLPClock(),
        initialBackoff: Double = 1, maxBackoff: Double = 5, jitter: @escaping @Sendable (Double) -> Double = { Double.random(in: 0...$0) },
        report: @escaping @Sendable (String) -> Void
    ) {
        self.jitter = jitter
        self.url = destination.url
        self.configuration = destination
        self.client = CurlHTTPClient(userAgent: userAgent)
        self.clock = clock
        self.report = report
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Creates an exporter for `signal`, which `configuration` must have a destination for.
    public convenience init(
        signal: OTLPSignal, configuration: OTLPHTTPConfiguration, userAgent: String, clock: any OTLPClock = SystemOTLPClock(),
        initialBackoff: Double = 1, maxBackoff: Double = 5, jitter: @escaping @Sendable (Double) -> Double = { Double.random(in: 0...$0) },
        report: @escaping @Sendable (String) -> Void
    ) {
        guard let destination = configuration.destination(for: signal) else { preconditionFailure("no destination for \(signal.rawValue)") }
        self.init(
            destination: destination, userAgent: userAgent, clock: clock, initialBackoff: initialBackoff, maxBackoff: maxBackoff, jitter: jitter,
            report: report)
    }

    /// The URL as messages show it: credentials, query and fragment values as `***`.
    public var destination: String { URLText.redacted(url) }

    public func export(_ batch: EncodedBatch, deadline: Double) -> ExportOutcome {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        let body: [UInt8]
        if configuration.compression == .gzip {
            body = Gzip.compress(batch.json, level: configuration.gzipLevel)
            headers.append(("Content-Encoding", "gzip"))
        } else {
            body = batch.json
        }
        headers += configuration.headers.map { ($0.name, $0.value) }

        let deadline = min(deadline, clock.now() + configuration.timeoutSeconds)
        var attempt = 0
        while true {
            attempt += 1
            let remaining = deadline - clock.now()
            guard remaining > 0 else { return .unavailable("export timeout reached after \(attempt - 1) \(attempt - 1 == 1 ? "attempt" : "attempts")") }
            let request = HTTPRequest(
                method: "POST", url: url, headers: headers, body: body, timeoutSeconds: min(configuration.timeoutSeconds, remaining),
                maxResponseBytes: Self.maxResponseBytes, tls: configuration.tls)
            let retryReason: String
            var retryAfter: Double?
            do {
                let response = try client.send(request)
                switch response.status {
                case 200..<300:
                    reportPartialSuccess(response, batch: batch)
                    reportUnexpectedBody(response)
                    return .delivered
                case 429, 502, 503, 504:
                    retryReason = "HTTP \(response.status)"
                    retryAfter = response.headers["retry-after"].flatMap { Self.retryAfterSeconds($0, wallNow: clock.wallNow()) }
                default:
                    return .rejected("HTTP \(response.status), not retried: \(Self.summary(response.text))")
                }
            } catch {
                if error.isAbsentPeer { return .unavailable(error.message.lowercased()) }
                retryReason = error.exportReason
            }
            let backoff = min(maxBackoff, initialBackoff * pow(2, Double(attempt - 1)))
            let delay = retryAfter ?? jitter(backoff)
            guard clock.now() + delay < deadline else {
                return .unavailable("\(retryReason) after \(attempt) \(attempt == 1 ? "attempt" : "attempts"); the export timeout leaves no time for another")
            }
            clock.sleep(seconds: delay)
        }
    }

    /// Seconds to wait from a `Retry-After` value: delay-seconds, or an HTTP date minus now; nil when malformed.
    public static func retryAfterSeconds(_ value: String, wallNow: Double) -> Double? {
        let trimmed = value.trimmingSpaces()
        if let seconds = Int(trimmed) { return seconds >= 0 ? Double(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return max(0, date.timeIntervalSince1970 - wallNow) }
        }
        return nil
    }

    /// Says once when a 2xx answer's body is not an OTLP response (a JSON object): the URL may be a web
    /// server or a proxy's page rather than a collector's OTLP/HTTP endpoint. The batch still counts as
    /// delivered (the server said so), and the user is told what answered.
    private func reportUnexpectedBody(_ response: HTTPResponse) {
        // Once said, not looked at again (a body can be 4 MiB).
        guard !response.body.isEmpty, !warnedOfBody.load(ordering: .relaxed),
            response.bodyTruncated || (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] == nil,
            !warnedOfBody.exchange(true, ordering: .relaxed)
        else { return }
        let type = response.headers["content-type"].map { " (\(VisibleText.escape($0)))" } ?? ""
        let size = response.bodyTruncated ? ", over 4 MiB (not read further)" : ""
        let start = VisibleText.escape(Self.summary(String(decoding: response.body.prefix(400), as: UTF8.self))).prefix(120)
        report("OTLP: \(URLText.redacted(url)) answered HTTP \(response.status) with a body that is not an OTLP response\(type)\(size): "
            + "\(start); batches count as delivered, but is this a collector's OTLP/HTTP endpoint?")
    }

    private func reportPartialSuccess(_ response: HTTPResponse, batch: EncodedBatch) {
        guard !response.body.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let partial = object["partialSuccess"] as? [String: Any]
        else { return }
        let key = batch.signal.rejectedKey
        let rejected = (partial[key] as? String).flatMap(Int.init) ?? (partial[key] as? Int) ?? 0
        guard rejected > 0 else { return }
        let counted = min(rejected, batch.itemCount)
        refusedInPart.wrappingAdd(counted, ordering: .relaxed)
        // Said the first time; later ones are counted (as lost: the collector kept them nowhere).
        guard !warnedOfPartialSuccess.exchange(true, ordering: .relaxed) else { return }
        let message = (partial["errorMessage"] as? String).map { ": \(VisibleText.escape(Self.summary($0)))" } ?? ""
        report("OTLP \(batch.signal.rawValue): the collector at \(URLText.redacted(url)) rejected \(rejected) of \(batch.itemCount) \(batch.signal.itemName)\(message); they are lost (further rejections are counted, not reported)")
    }

    public func takeRefusedInPart() -> Int { refusedInPart.exchange(0, ordering: .relaxed) }

    static func summary(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 200 ? String(line.prefix(200)) + "…" : (line.isEmpty ? "(empty body)" : line)
    }
}

extension HTTPTransportError {
    /// The failure as a reason for an export report.
    var exportReason: String {
        switch kind {
        case .timeout: "timed out (\(self.description))"
        case .unreachable, .connection, .cancelled, .tls, .other: self.description
        }
    }

    /// Whether no collector is there at all (refused, unknown host): not worth retrying within this batch.
    /// Known at once and not helped by a retry: no server there, or TLS that cannot be set up.
    var isAbsentPeer: Bool { kind == .unreachable || kind == .tls }
}
