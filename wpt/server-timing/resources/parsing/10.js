testServerTiming(document.currentScript, [{"name":"metric"}])
