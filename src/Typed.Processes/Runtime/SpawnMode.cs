namespace Typed.Processes;

internal enum SpawnMode { Plain, Monitored, Linked, LinkedMonitored }
