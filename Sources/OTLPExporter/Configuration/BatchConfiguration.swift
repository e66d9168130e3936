/// The batch processor's limits, per the OpenTelemetry SDK specification.
public struct BatchConfiguration: Sendable, Equatable {
    /// The most items held; past it, what does not fit goes to the spool. Default 2048.
    /// Environment: OTEL_BSP_MAX_QUEUE_SIZE (spans), OTEL_BLRP_MAX_QUEUE_SIZE (logs).
    public var maxQueueSize: Int
    /// The most items in one export. Default 512.
    /// Environment: OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE.
    public var maxExportBatchSize: Int
    /// The longest an item waits before an export, in seconds. Default 5 for spans, 1 for logs.
    /// Environment (milliseconds): OTEL_BSP_SCHEDULE_DELAY, OTEL_BLRP_SCHEDULE_DELAY.
    public var scheduledDelaySeconds: Double
    /// The longest one export may take, retries included, in seconds. Default 30.
    /// Environment (milliseconds): OTEL_BSP_EXPORT_TIMEOUT, OTEL_BLRP_EXPORT_TIMEOUT.
    public var exportTimeoutSeconds: Double

    /// Creates a configuration; the batch size is capped at the queue size.
    public init(maxQueueSize: Int = 2048, maxExportBatchSize: Int = 512, scheduledDelaySeconds: Double = 5, exportTimeoutSeconds: Double = 30) {
        self.maxQueueSize = max(1, maxQueueSize)
        self.maxExportBatchSize = min(max(1, maxExportBatchSize), self.maxQueueSize)
        self.scheduledDelaySeconds = max(0, scheduledDelaySeconds)
        self.exportTimeoutSeconds = max(0.001, exportTimeoutSeconds)
    }
}
