testServerTiming(document.currentScript, [{"name":"metric1"},{"name":"metric2"}])
