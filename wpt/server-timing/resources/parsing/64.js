testServerTiming(document.currentScript, [{"name":"metric1","desc":"d1"},{"name":"metric2"}])
