import CanaryAPI

extension CoordinatorMetrics {
    /// Per-key series (CURVE on): messages refused for claiming what the key
    /// is not bound to, agents evicted by the per-key limit, the agents each
    /// key speaks for, and handshakes refused (keys not on the allow-list).
    /// Labelled by fingerprint, never by anything secret.
    func recordKeys(_ document: KeysDocument) {
        for key in document.keys {
            let labels = [("key", key.fingerprint)]
            for (reason, count) in key.rejectedByReason {
                advance("canary_key_rejected_messages_total", labels: labels + [("reason", reason)], to: count,
                        help: "Messages refused because they claim an agent, model or version the sending key is not bound to, per key.")
            }
            advance("canary_key_agents_evicted_total", labels: labels, to: key.agentsEvicted,
                    help: "Agents evicted to admit another one of the same key (curve.agents_per_key).")
            registry.gauge("canary_key_agents", labels: labels, help: "Agents each CURVE key speaks for.")
                .set(Double(key.agents.count))
        }
        for (fingerprint, count) in document.deniedHandshakes {
            advance("canary_key_denied_handshakes_total", labels: [("key", fingerprint)], to: count,
                    help: "CURVE handshakes refused by the ZAP allow-list, per key.")
        }
    }
}
