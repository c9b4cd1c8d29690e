import CanaryAPI
import CanaryConfig
import CanaryWire

/// With CURVE, every message is checked against the binding of the key that
/// sent it (the ZAP user id libzmq attaches to the connection): the agent id
/// (or pattern), the model and the versions the allow-list gives that key.
/// A message claiming anything else is refused with a reason — counted per
/// key, logged with the key's fingerprint, never reaching the fleet, the
/// de-duplication marks or a rollout.
extension CoordinatorEngine {
    /// What a message claims to be about.
    struct Claim {
        let kind: String
        let agentID: String
        let epoch: UInt64
        let sequence: UInt64
        let model: String?
        let version: String?
    }

    /// Nil when the message may proceed; otherwise the refusal to send back.
    func authorize(_ message: WireMessage, key: String?, routingID: [UInt8], now: Moment) -> [Outbound]? {
        guard let allowList else { return nil }
        let claim: Claim
        switch message {
        case .hello(let hello):
            claim = Claim(kind: "hello", agentID: hello.agentID, epoch: hello.agentEpoch, sequence: 0,
                          model: hello.model, version: hello.version)
        case .heartbeat(let beat):
            claim = Claim(kind: "heartbeat", agentID: beat.agentID, epoch: beat.agentEpoch, sequence: 0, model: nil, version: nil)
        case .snapshotRequest(let request):
            claim = Claim(kind: "snapshot request", agentID: request.agentID, epoch: 0, sequence: 0, model: request.model, version: nil)
        case .goodbye(let bye):
            claim = Claim(kind: "goodbye", agentID: bye.agentID, epoch: bye.agentEpoch, sequence: 0, model: nil, version: nil)
        case .window(let window):
            claim = Claim(kind: "window", agentID: window.agentID, epoch: window.agentEpoch, sequence: window.sequence,
                          model: window.model, version: window.version)
        case .ack, .routeTable, .reject:
            return nil  // refused as an unexpected kind by the intake
        }
        guard let key else {
            return refuse(claim, key: nil, entry: nil, routingID: routingID, reason: "unauthenticated",
                          "it arrived without a CURVE identity")
        }
        guard let entry = allowList.current[key] else {
            return refuse(claim, key: key, entry: nil, routingID: routingID, reason: "key_not_allowed",
                          "the key was removed from the allow-list after it connected")
        }
        guard entry.allows(agentID: claim.agentID) else {
            return refuse(claim, key: key, entry: entry, routingID: routingID, reason: "agent_not_bound_to_key",
                          "agent '\(claim.agentID)' is not bound to this key (it may speak for '\(entry.agent)')")
        }
        if let model = claim.model, model != entry.model {
            return refuse(claim, key: key, entry: entry, routingID: routingID, reason: "model_not_bound_to_key",
                          "model '\(model)' is not bound to this key (it may report '\(entry.model)')")
        }
        if let version = claim.version, !entry.allows(version: version) {
            return refuse(claim, key: key, entry: entry, routingID: routingID, reason: "version_not_bound_to_key",
                          "version '\(version)' is not bound to this key (it may report \(entry.versions.joined(separator: ", ")))")
        }
        // Two keys whose patterns overlap: an (agent, epoch) is its first key's
        // for good (nobody else can mark its windows counted), and a live agent's
        // key keeps the agent id while it is live.
        if claim.epoch != 0, let first = keyLedger.epochKey(agentID: claim.agentID, epoch: claim.epoch), first != key {
            return refuse(claim, key: key, entry: entry, routingID: routingID, reason: "agent_epoch_claimed_by_another_key",
                          "agent '\(claim.agentID)' epoch \(claim.epoch) belongs to key \(KeyFingerprint.of(first))")
        }
        if let owner = keyLedger.owner(of: claim.agentID), owner != key, allowList.current[owner] != nil, fleet.isLive(claim.agentID) {
            return refuse(claim, key: key, entry: entry, routingID: routingID, reason: "agent_claimed_by_another_key",
                          "agent '\(claim.agentID)' is live and speaks with key \(KeyFingerprint.of(owner))")
        }
        let fleet = self.fleet
        let admission = keyLedger.admit(agentID: claim.agentID, key: key, nowMs: now.runMs, isStale: { !fleet.isLive($0) })
        if admission != .full { _ = keyLedger.claim(agentID: claim.agentID, epoch: claim.epoch, key: key) }
        switch admission {
        case .admitted:
            return nil
        case .admittedEvicting(let evicted):
            self.fleet.forget(evicted)
            logger.warning("key \(KeyFingerprint.of(key)) (\(entry.name)) speaks for \(keyLedger.agentsPerKey) agents, its limit: evicted '\(evicted)', the longest silent, to admit '\(claim.agentID)'")
            return nil
        case .full:
            return refuse(claim, key: key, entry: entry, routingID: routingID, reason: "agents_per_key_limit",
                          "the key already speaks for \(keyLedger.agentsPerKey) live agents (curve.agents_per_key)")
        }
    }

    private func refuse(_ claim: Claim, key: String?, entry: AllowList.Entry?, routingID: [UInt8],
                        reason: String, _ why: String) -> [Outbound] {
        counters.reject(reason)
        let fingerprint = key.map(KeyFingerprint.of) ?? "none"
        if let key { keyLedger.reject(key: key, reason: reason) }
        let what = claim.kind == "window" ? "window \(claim.agentID)#\(claim.sequence)" : "\(claim.kind) of '\(claim.agentID)'"
        let named = entry.map { " (\($0.name), \($0.source))" } ?? ""
        logger.warning("refused \(what) from key \(fingerprint)\(named): \(why)")
        let reject = Canary_V1_Reject(agentID: claim.agentID, epoch: claim.epoch, sequence: claim.sequence,
                                      reason: reason, message: "refused \(what): \(why)")
        return [.reply(routingID: routingID, .reject(reject))]
    }

    /// `GET /api/v1/keys`: every key on the list or heard from, with its ledger.
    public func keysDocument() -> KeysDocument {
        guard let allowList else {
            return KeysDocument(curve: false, allowList: nil, keys: [], deniedHandshakes: [:], allowListIssues: [])
        }
        let list = allowList.current
        let keys = Set(list.entries.keys).union(keyLedger.records.keys)
        let statuses = keys.map { key -> KeyStatus in
            let entry = list[key]
            let record = keyLedger.records[key] ?? KeyLedger.Record()
            return KeyStatus(
                fingerprint: KeyFingerprint.of(key), publicKey: key, name: entry?.name ?? "", agent: entry?.agent ?? "",
                model: entry?.model ?? "", versions: entry?.versions ?? [], source: entry?.source ?? "", allowed: entry != nil,
                agents: record.agents.keys.sorted(), messagesAccepted: record.accepted,
                rejectedByReason: record.rejected, agentsEvicted: record.evicted)
        }.sorted { ($0.name, $0.fingerprint) < ($1.name, $1.fingerprint) }
        return KeysDocument(curve: true, allowList: allowList.path, keys: statuses,
                            deniedHandshakes: allowList.deniedHandshakes, allowListIssues: list.issues.map(\.description))
    }

    /// The fingerprint of the key speaking for each agent, for `GET /api/v1/agents`.
    func keyFingerprint(ofAgent agentID: String) -> String? {
        keyLedger.owner(of: agentID).map(KeyFingerprint.of)
    }
}
