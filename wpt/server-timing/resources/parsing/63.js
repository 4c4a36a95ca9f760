testServerTiming(document.currentScript, [{"name":"metric","desc":"d1","dur":123.4}])
