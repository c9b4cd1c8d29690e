import CanaryWire

extension Canary_V1_Reject {
    /// What the coordinator answers a refused message with: whose it was
    /// (agent, epoch, and the window's sequence; 0 for a hello or
    /// heartbeat), the reason code and the sentence naming the cause.
    init(agentID: String, epoch: UInt64, sequence: UInt64 = 0, reason: String, message: String) {
        self.init()
        self.agentID = agentID
        agentEpoch = epoch
        self.sequence = sequence
        self.reason = reason
        self.message = message
    }
}
