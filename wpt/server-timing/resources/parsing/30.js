testServerTiming(document.currentScript, [{"name":"metric","desc":""}])
