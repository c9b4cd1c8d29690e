public enum CanaryAgentPlaceholder {}
