testServerTiming(document.currentScript, [{"name":"metric","desc":"description","dur":123.4}])
