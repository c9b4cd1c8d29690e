public import Prometheus

/// Named metrics shared by the agent and the coordinator.

extension PrometheusCollectorRegistry {
    // Full Prometheus names with help text. The descriptor API splits names
    // into namespace/subsystem/unit; ours are spelled whole (`canary_…_total`)
    // so they can be grepped, which the empty unit keeps intact.

    public func counter(_ name: String, labels: [(String, String)], help: String) -> Counter {
        makeCounter(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func gauge(_ name: String, labels: [(String, String)], help: String) -> Gauge {
        makeGauge(descriptor: Self.descriptor(name, help), labels: labels)
    }

    public func histogram(_ name: String, labels: [(String, String)], buckets: [Double], help: String) -> ValueHistogram {
        makeValueHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets)
    }

    public static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
