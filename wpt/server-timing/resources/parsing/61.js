testServerTiming(document.currentScript, [{"name":"metric","desc":"","dur":123.4}])
