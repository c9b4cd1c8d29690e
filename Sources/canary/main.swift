import CanaryCLI

await CanaryCommand.runFromProcessArguments()
